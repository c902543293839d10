"""The enterprise form."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from core.forms import VersionedForm


class EnterpriseForm(VersionedForm):
    name = StringField(_l("企业名称"), validators=[DataRequired(_l("请填写企业名称")),
                                                  Length(max=100)])
    uscc = StringField(_l("统一社会信用代码"),
                       validators=[DataRequired(_l("请填写统一社会信用代码")), Length(max=18)],
                       render_kw={"autocomplete": "off"})
    district_union_id = SelectField(_l("所在区总工会"), coerce=int, choices=[])
    industry_union_id = SelectField(_l("所属产业工会"), coerce=int, choices=[])
    address = StringField(_l("地址"), validators=[Optional(), Length(max=200)])
    contact_name = StringField(_l("联系人"), validators=[Optional(), Length(max=50)])
    contact_phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=20)],
                                render_kw={"inputmode": "tel"})
    submit = SubmitField(_l("保存"))

    def __init__(self, *args, districts=(), industries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.district_union_id.choices = [(0, "—")] + [(u.id, u.name) for u in districts]
        self.industry_union_id.choices = [(0, _l("（无）"))] + [(u.id, u.name) for u in industries]
