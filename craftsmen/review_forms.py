"""Forms of the craftsman proposed list (the panel's forms are the engine's:
:mod:`core.review_panels.forms`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class GenerateForm(FlaskForm):
    accept_boundary_tie = BooleanField(_l("名额线上出现并列时，并列者全部列入建议名单（超出名额）"))
    submit = SubmitField(_l("生成建议名单"))


class AdjustForm(FlaskForm):
    reason = TextAreaField(_l("调整理由"), validators=[DataRequired(_l("请填写调整理由")),
                                                   Length(max=500, message=_l("调整理由不能超过 500 个字符"))],
                           render_kw={"rows": 3})
    submit = SubmitField(_l("确认调整"))
