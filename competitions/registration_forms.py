"""Forms of registration, check-in and judges: the contestant import, the judge assignment
and a judge's declaration of a conflict of interest."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class ContestantImportForm(FlaskForm):
    file = FileField(_l("Excel 文件（.xlsx）"), validators=[
        FileRequired(_l("请选择要导入的文件")),
        FileAllowed(["xlsx"], _l("请上传 .xlsx 格式的 Excel 文件"))])
    submit = SubmitField(_l("导入"))


class JudgeAssignmentForm(FlaskForm):
    """Choices (users holding the judge role, not yet on the event) are set by the view."""

    user_id = SelectField(_l("裁判"), coerce=int, validate_choice=True,
                          validators=[DataRequired(_l("请选择裁判"))])
    is_chief = BooleanField(_l("担任裁判长"))
    submit = SubmitField(_l("选派"))


class ConflictForm(FlaskForm):
    """A judge declares a conflict with an enterprise; choices are set by the view."""

    enterprise_id = SelectField(_l("回避单位"), coerce=int, validators=[DataRequired(_l("请选择单位"))])
    reason = TextAreaField(_l("回避原因"), validators=[DataRequired(_l("请说明回避原因")), Length(max=500)],
                           description=_l("如：曾在该单位任职、与该单位选手有亲属关系等"))
    submit = SubmitField(_l("申报回避"))
