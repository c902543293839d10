"""The worker record form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.forms import VersionedForm
from core.people.models import Gender, SkillLevel


class WorkerForm(VersionedForm):
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名")),
                                              Length(max=50, message=_l("姓名不能超过 50 个字符"))])
    gender = SelectField(_l("性别"), choices=[])
    id_number = StringField(
        _l("身份证号"),
        validators=[DataRequired(_l("请填写身份证号")),
                    Length(max=18, message=_l("身份证号应为 18 位"))],
        render_kw={"autocomplete": "off", "inputmode": "text"},
    )
    mobile = StringField(_l("手机号码"), validators=[DataRequired(_l("请填写手机号码")),
                                                    Length(max=20)],
                         render_kw={"inputmode": "tel"})
    enterprise_id = SelectField(_l("所在企业"), coerce=int, choices=[])
    occupation = StringField(_l("工种"), validators=[DataRequired(_l("请填写工种")),
                                                    Length(max=64)])
    occupation_code = StringField(_l("职业编码"), validators=[Optional(), Length(max=16)],
                                  description=_l("国家职业分类编码，如 6-18-01-01，可不填"))
    skill_level = SelectField(_l("技能等级"), choices=[])
    years_in_occupation = IntegerField(
        _l("从事本工种年限"), default=0,
        validators=[NumberRange(0, 60, message=_l("从事本工种年限应在 0 到 60 年之间"))],
        render_kw={"inputmode": "numeric", "min": 0, "max": 60},
    )
    is_front_line = BooleanField(_l("一线职工"), default=True)
    in_post = BooleanField(_l("在岗"), default=True)
    honors = TextAreaField(_l("荣誉"), validators=[Optional(), Length(max=2000)],
                           description=_l("每行一项，如：2023年 北京市劳动模范"))
    submit = SubmitField(_l("保存"))

    def __init__(self, *args, enterprises=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.gender.choices = [(g.value, g.label) for g in Gender]
        self.skill_level.choices = [(s.value, s.label) for s in SkillLevel]
        self.enterprise_id.choices = [(e.id, e.name) for e in enterprises]



class WorkerImportForm(FlaskForm):
    file = FileField(_l("Excel 文件（.xlsx）"), validators=[
        FileRequired(_l("请选择要导入的文件")),
        FileAllowed(["xlsx"], _l("请上传 .xlsx 格式的 Excel 文件"))])
    enterprise_id = SelectField(_l("导入到企业"), coerce=int, choices=[])
    submit = SubmitField(_l("导入"))

    def __init__(self, *args, enterprises=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprise_id.choices = [(e.id, e.name) for e in enterprises]
