"""Forms of the studio pages: the application, the team, leader changes, the union's check,
the expert panel and score sheets, naming and delisting. Services check the rules again;
the forms only give early, field-level messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from core.forms import ConfirmedActionForm, VersionedForm
from innovation_studios.studios.models import INDUSTRIES, LeaderChangeReason, MemberRole, StudioKind, StudioLevel
from innovation_studios.studios.services import REASON_MAX, TEXT_MAX


def _worker_label(worker) -> str:
    return f"{worker.name} · {worker.occupation} · {worker.id_number_masked}"


def _worker_choices(workers) -> list:
    return [(0, _l("（请选择本单位职工）"))] + [(w.id, _worker_label(w)) for w in workers]


def _text(label, description=None, rows=4):
    return TextAreaField(label, validators=[Optional(), Length(max=TEXT_MAX, message=_l(
        "不能超过 %(max)d 个字"))], description=description, render_kw={"rows": rows})


class ApplicationForm(VersionedForm):
    name = StringField(_l("工作室名称"), validators=[
        DataRequired(_l("请填写工作室名称")), Length(max=100, message=_l("工作室名称不能超过 100 个字"))],
        description=_l("如：李明数控加工劳模创新工作室"))
    kind = SelectField(_l("工作室类别"), choices=[], default=StudioKind.WORKER.value,
                       validators=[InputRequired(_l("请选择工作室类别"))])
    level_sought = SelectField(_l("申报级别"), choices=[], validators=[InputRequired(_l("请选择申报级别"))])
    # Any id is accepted here; the service refuses a worker of another enterprise with a clear message.
    leader_worker_id = SelectField(_l("领办人"), coerce=int, choices=[], validate_choice=False,
                                   description=_l("须是本单位职工；劳模、工匠领办的会标注出来"))
    field = StringField(_l("专业领域"), validators=[Optional(), Length(max=64, message=_l(
        "专业领域不能超过 64 个字"))], description=_l("如：数控加工、电力检修、软件研发"))
    industry = SelectField(_l("所属行业"), choices=[])
    space_equipment = _text(_l("场地与设备"), _l("面积、位置、主要设备和仪器"))
    management_rules = _text(_l("管理制度"), _l("例会、成果登记、培训带徒、经费管理等制度"))
    plan = _text(_l("工作计划"), _l("今后三年的攻关方向、目标和进度"), rows=6)
    funding_note = _text(_l("经费保障"), _l("经费来源、年度投入（万元）和使用安排"))
    submit = SubmitField(_l("保存"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, k.label) for k in StudioKind]
        self.level_sought.choices = [(lv.value, lv.label) for lv in StudioLevel]
        self.industry.choices = [("", _l("（请选择）"))] + [(i, i) for i in INDUSTRIES]
        self.set_workers(())

    def set_workers(self, workers) -> None:
        self.leader_worker_id.choices = _worker_choices(workers)


class SubmitApplicationForm(VersionedForm):
    submit = SubmitField(_l("提交申报"))


class DeleteDraftForm(VersionedForm):
    submit = SubmitField(_l("删除草稿"))


class MemberForm(FlaskForm):
    """Add a member: a worker of the enterprise, their role and the day they joined."""

    worker_id = SelectField(_l("职工"), coerce=int, choices=[], validate_choice=False)
    role = SelectField(_l("角色"), choices=[])
    joined_on = DateField(_l("加入日期"), validators=[Optional()],
                          description=_l("申报阶段可不填，默认今天"))
    submit = SubmitField(_l("加入团队"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [(r.value, r.label) for r in MemberRole]
        self.set_workers(())

    def set_workers(self, workers) -> None:
        self.worker_id.choices = _worker_choices(workers)


class LeaveForm(FlaskForm):
    left_on = DateField(_l("退出日期"), validators=[InputRequired(_l("请填写退出日期"))])
    reason = StringField(_l("退出原因"), validators=[DataRequired(_l("请填写退出原因")), Length(max=200)],
                         description=_l("如：调离本单位、退休、工作调整"))
    submit = SubmitField(_l("登记退出"))


class LeaderChangeForm(VersionedForm):
    new_worker_id = SelectField(_l("新领办人"), coerce=int, choices=[], validate_choice=False)
    changed_on = DateField(_l("变更日期"), validators=[InputRequired(_l("请填写变更日期"))])
    reason = SelectField(_l("变更原因"), choices=[])
    note = TextAreaField(_l("说明"), validators=[Optional(), Length(max=REASON_MAX)], render_kw={"rows": 3},
                         description=_l("如：原领办人于该日退休；原领办人调往集团总部"))
    submit = SubmitField(_l("登记变更"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = [(r.value, r.label) for r in LeaderChangeReason]
        self.set_workers(())

    def set_workers(self, workers) -> None:
        self.new_worker_id.choices = _worker_choices(workers)


class CheckForm(VersionedForm):
    """The union reviewer's check; a reason is required to return or reject."""

    reason = TextAreaField(_l("审查意见"), validators=[Optional(), Length(max=REASON_MAX, message=_l(
        "理由不能超过 %(max)d 个字"))], render_kw={"rows": 4},
        description=_l("退回修改或不予通过时必填，申报单位能看到"))
    accept = SubmitField(_l("通过，报送专家评审"))
    return_ = SubmitField(_l("退回修改"), name="return")
    reject = SubmitField(_l("不予通过"))

    @property
    def decision(self) -> str:
        pressed = {"accept": self.accept.data, "return": self.return_.data, "reject": self.reject.data}
        return next((name for name, data in pressed.items() if data), "")


class NameForm(VersionedForm):
    """The administrator's decision after the expert review."""

    named_on = DateField(_l("命名日期"), validators=[InputRequired(_l("请填写命名日期"))])
    level = SelectField(_l("命名级别"), choices=[])
    number = StringField(_l("工作室编号"), validators=[Optional(), Length(max=32)],
                         description=_l("留空则自动按命名年度顺序编号，如 BJCX-2026-0001"))
    note = TextAreaField(_l("命名意见（可不填）"), validators=[Optional(), Length(max=REASON_MAX)],
                         render_kw={"rows": 2})
    submit = SubmitField(_l("命名"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.level.choices = [(lv.value, lv.label) for lv in StudioLevel]


class AfterReviewForm(VersionedForm):
    reason = TextAreaField(_l("理由"), validators=[DataRequired(_l("请填写理由")), Length(max=REASON_MAX)],
                           render_kw={"rows": 3})
    return_ = SubmitField(_l("退回修改"), name="return")
    reject = SubmitField(_l("不予命名"))

    @property
    def decision(self) -> str:
        return "return" if self.return_.data else "reject" if self.reject.data else ""


class DelistForm(ConfirmedActionForm, VersionedForm):
    delisted_on = DateField(_l("摘牌日期"), validators=[InputRequired(_l("请填写摘牌日期"))])
    reason = TextAreaField(_l("摘牌理由"), validators=[DataRequired(_l("请填写摘牌理由")), Length(max=REASON_MAX)],
                           render_kw={"rows": 3}, description=_l("申报单位和公众能看到工作室已摘牌，理由仅内部可见"))
    submit = SubmitField(_l("确认摘牌"))
