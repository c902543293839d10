"""Forms of results, appeals and arbitration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from competitions.models import AppealStatus


class AppealForm(FlaskForm):
    reason = TextAreaField(_l("申诉理由"), validators=[DataRequired(_l("请填写申诉理由")), Length(max=2000)],
                           description=_l("请写明对哪一项分数有异议及理由"))
    submit = SubmitField(_l("提交申诉"))


class RulingForm(FlaskForm):
    """The arbitration group's ruling; corrected marks come as ``mark-<id>`` fields."""

    decision = RadioField(_l("裁决"), choices=[(AppealStatus.UPHELD.value, _l("申诉成立（更正分数）")),
                                              (AppealStatus.DISMISSED.value, _l("驳回申诉"))],
                          validators=[DataRequired(_l("请选择裁决"))])
    ruling = TextAreaField(_l("裁决理由"), validators=[DataRequired(_l("请填写裁决理由")), Length(max=2000)])
    submit = SubmitField(_l("作出裁决（最终裁决）"))
