"""Forms of the certificate pages: public verification, and the administrators' revoke/replace."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from certificates.services import issuing
from core.forms import ConfirmedActionForm


class VerifyForm(FlaskForm):
    """Serial and verification code, as printed on the certificate."""

    serial = StringField(_l("证书编号"), validators=[
        DataRequired(_l("请填写证书编号")), Length(max=40, message=_l("证书编号不能超过 40 个字符"))],
        description=_l("印在证书左下方，例如 BJGJ-2026-000123"),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})
    code = StringField(_l("验证码"), validators=[
        DataRequired(_l("请填写验证码")), Length(max=20, message=_l("验证码不能超过 20 个字符"))],
        description=_l("印在证书编号下方的 8 位字母和数字，不区分大小写"),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})
    submit = SubmitField(_l("核验"))


class RevokeForm(ConfirmedActionForm):
    reason = TextAreaField(_l("撤销理由"), validators=[
        DataRequired(_l("请写明撤销理由")),
        Length(max=issuing.REASON_MAX, message=_l("理由不能超过 %(n)s 个字符", n=issuing.REASON_MAX))],
        description=_l("核验页面将公开显示撤销日期和理由"), render_kw={"rows": 3})
    submit = SubmitField(_l("撤销证书"))


class ReplaceForm(ConfirmedActionForm):
    holder_name = StringField(_l("持有人（更正后）"), validators=[
        DataRequired(_l("请填写证书持有人姓名")),
        Length(max=issuing.NAME_MAX, message=_l("持有人姓名不能超过 %(n)s 个字符", n=issuing.NAME_MAX))])
    honour = StringField(_l("荣誉名称（更正后）"), validators=[
        DataRequired(_l("请填写荣誉名称")),
        Length(max=issuing.HONOUR_MAX, message=_l("荣誉名称不能超过 %(n)s 个字符", n=issuing.HONOUR_MAX))])
    reason = TextAreaField(_l("换发理由"), validators=[
        DataRequired(_l("请写明换发理由")),
        Length(max=issuing.REASON_MAX, message=_l("理由不能超过 %(n)s 个字符", n=issuing.REASON_MAX))],
        description=_l("原证书将标为“已被替换”，核验时指向新证书"), render_kw={"rows": 3})
    submit = SubmitField(_l("换发新证书"))
