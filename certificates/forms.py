"""Forms of the certificate pages: public verification, and the administrators' revoke/replace."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from certificates.models import RevocationCategory
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


#: The categories an administrator picks from when revoking (replacing says "corrected" itself).
REVOKE_CATEGORIES = (RevocationCategory.HONOUR_REVOKED, RevocationCategory.ISSUED_IN_ERROR,
                     RevocationCategory.STUDIO_DELISTED, RevocationCategory.MEMBERSHIP_ENDED,
                     RevocationCategory.RESULT_CHANGED, RevocationCategory.WITHDRAWN)


#: The largest file the public verification page reads (a certificate PDF is about 40 KB).
UPLOAD_MAX_BYTES = 2 * 1024 * 1024


class VerifyFileForm(FlaskForm):
    """A certificate PDF (or its credential as JSON) to check as a whole."""

    file = FileField(_l("证书文件（PDF 或 JSON 电子证书）"), validators=[FileRequired(_l("请选择要核验的证书文件"))],
                     description=_l("核验文件的电子签章是否完好、是否由发证机构签发，以及证书当前状态；文件不会被保存"),
                     render_kw={"accept": ".pdf,.json,application/pdf,application/json"})
    submit = SubmitField(_l("核验文件"))


class RevokeForm(ConfirmedActionForm):
    category = SelectField(_l("对外公布的撤销类别"), choices=[], validate_choice=True,
                           description=_l("核验页面只公开撤销日期和此类别"))
    reason = TextAreaField(_l("撤销理由（内部记录，不对外公开）"), validators=[
        DataRequired(_l("请写明撤销理由")),
        Length(max=issuing.REASON_MAX, message=_l("理由不能超过 %(n)s 个字符", n=issuing.REASON_MAX))],
        description=_l("仅管理员可见，不显示在公开核验页面"), render_kw={"rows": 3})
    submit = SubmitField(_l("撤销证书"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [(c.value, c.label) for c in REVOKE_CATEGORIES]
        if self.category.data is None:
            self.category.data = RevocationCategory.WITHDRAWN.value


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
        description=_l("内部记录，不对外公开；核验页面显示“证书信息有误，已换发”并指向新证书"),
        render_kw={"rows": 3})
    submit = SubmitField(_l("换发新证书"))
