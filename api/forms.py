"""The form of the "API 令牌" page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from api.services import LIFETIMES, NAME_MAX


def _lifetime_label(days: int | None):
    return _l("永久（直到吊销）") if days is None else _l("%(n)s 天", n=days)


class CreateTokenForm(FlaskForm):
    name = StringField(_l("令牌名称"), validators=[DataRequired(_l("请填写令牌名称")),
                                                 Length(max=NAME_MAX, message=_l("令牌名称不能超过 %(max)d 个字"))],
                       description=_l("写明用途，例如“企业人事系统同步”，便于日后辨认和吊销"))
    lifetime = SelectField(_l("有效期"), default="90")
    submit = SubmitField(_l("创建令牌"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lifetime.choices = [("" if days is None else str(days), _lifetime_label(days))
                                 for days in LIFETIMES]

    def lifetime_days(self) -> int | None:
        value = self.lifetime.data or ""
        return int(value) if value.isdigit() else None
