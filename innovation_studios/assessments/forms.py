"""Forms of the annual assessment: rounds, the studio's annual report, grading, returning,
the rectification statement and the administrator's verdict on a rectification.

Counts are text fields parsed by the services, so a wrong entry gets a Chinese message and
the form keeps what was typed.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from core.form_fields import MultiCheckboxField
from core.forms import VersionedForm
from innovation_studios.assessments.models import Grade, RectificationOutcome
from innovation_studios.assessments.services import NOTE_MAX, TEXT_MAX


class RoundForm(FlaskForm):
    year = IntegerField(_l("考核年度"), validators=[InputRequired(_l("请填写考核年度"))],
                        description=_l("被考核的年度，如 2025 年度考核在 2026 年初进行"))
    deadline = DateField(_l("报告提交截止日期"), validators=[InputRequired(_l("请填写截止日期"))])
    note = TextAreaField(_l("考核说明"), validators=[Optional(), Length(max=NOTE_MAX)], render_kw={"rows": 3},
                         description=_l("考核要求、评分标准等，企业填写报告时可以看到"))
    submit = SubmitField(_l("开启年度考核"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "round")
        super().__init__(*args, **kwargs)


class RoundEditForm(VersionedForm):
    deadline = DateField(_l("报告提交截止日期"), validators=[InputRequired(_l("请填写截止日期"))])
    note = TextAreaField(_l("考核说明"), validators=[Optional(), Length(max=NOTE_MAX)], render_kw={"rows": 3})
    reopen = BooleanField(_l("重新开放报告提交"))
    submit = SubmitField(_l("保存"))


class ReportForm(VersionedForm):
    summary = TextAreaField(_l("年度工作总结"), validators=[
        Optional(), Length(max=TEXT_MAX, message=_l("不能超过 %(max)d 个字"))], render_kw={"rows": 8},
        description=_l("攻关项目、成果转化、人才培养、制度运行等情况"))
    next_plan = TextAreaField(_l("下一年度计划"), validators=[
        Optional(), Length(max=TEXT_MAX, message=_l("不能超过 %(max)d 个字"))], render_kw={"rows": 5})
    apprentices_trained = StringField(_l("培养徒弟（人）"), validators=[Optional(), Length(max=10)])
    trainings_held = StringField(_l("开展培训（场次）"), validators=[Optional(), Length(max=10)])
    achievement_ids = MultiCheckboxField(_l("列入报告的本年度成果"), coerce=int, choices=[])
    submit = SubmitField(_l("保存报告"))

    def __init__(self, *args, achievements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.achievement_ids.choices = [
            (a.id, f"{a.achieved_on:%Y-%m-%d} {a.kind_enum.label}：{a.title}") for a in achievements]


class SubmitReportForm(VersionedForm):
    submit = SubmitField(_l("提交报告"))


class GradeForm(VersionedForm):
    grade = RadioField(_l("考核结果"), choices=[], validators=[InputRequired(_l("请选择考核结果"))])
    note = TextAreaField(_l("评定意见"), validators=[Optional(), Length(max=NOTE_MAX)], render_kw={"rows": 4},
                         description=_l("评为不合格时必填：存在的问题和整改要求，企业可以看到"))
    rectification_deadline = DateField(_l("整改期限"), validators=[Optional()],
                                       description=_l("评为不合格时必填；工作室如已在整改中，再次不合格将直接摘牌"))
    submit = SubmitField(_l("确认评定"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "grade")
        super().__init__(*args, **kwargs)
        self.grade.choices = [(g.value, g.label) for g in Grade]


class ReturnForm(VersionedForm):
    note = TextAreaField(_l("退回原因"), validators=[DataRequired(_l("请写明退回原因")), Length(max=NOTE_MAX)],
                         render_kw={"rows": 3})
    submit = SubmitField(_l("退回修改"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "return")
        super().__init__(*args, **kwargs)


class StatementForm(VersionedForm):
    statement = TextAreaField(_l("整改情况说明"), validators=[
        DataRequired(_l("请填写整改情况说明")), Length(max=TEXT_MAX, message=_l("不能超过 %(max)d 个字"))],
        render_kw={"rows": 8}, description=_l("针对考核指出的问题逐条说明整改措施和效果"))
    submit = SubmitField(_l("保存整改情况说明"))


class RectificationDecisionForm(VersionedForm):
    """The administrator's verdict: irreversible (a failed rectification delists the studio)."""

    outcome = RadioField(_l("整改结论"), choices=[], validators=[InputRequired(_l("请选择整改结论"))])
    note = TextAreaField(_l("意见"), validators=[Optional(), Length(max=NOTE_MAX)], render_kw={"rows": 3},
                         description=_l("整改不合格时必填，作为摘牌原因"))
    confirmed = BooleanField(_l("我已核对，确认执行（整改不合格将摘牌，不可撤回）"),
                             validators=[DataRequired(_l("请先勾选确认"))])
    submit = SubmitField(_l("确认结论"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = [(o.value, o.label) for o in RectificationOutcome]
