"""Forms of the studio alliance: founding and editing an alliance, admitting a member,
recording a leaving, rotating the lead, dissolving, and joint projects.

Studios are typed by their number (编号, e.g. BJCX-2026-0001) or full name, one a line, so a
clerk can paste them from the studio list in Excel; the forms carry a lookup box that finds
named studios without losing what was typed.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from core.form_fields import MultiCheckboxField
from core.forms import ConfirmedActionForm, VersionedForm
from innovation_studios.alliances.models import AllianceKind, ProjectStatus


class AllianceForm(VersionedForm):
    """Editing an alliance: name, type, founding date, charter."""

    name = StringField(_l("联盟名称"), validators=[DataRequired(_l("请填写联盟名称")), Length(max=100)],
                       description=_l("如：北京市数控加工创新工作室联盟"))
    kind = SelectField(_l("联盟类型"), choices=[], validate_choice=False)  # the service says what is wrong
    founded_on = DateField(_l("成立日期"), validators=[InputRequired(_l("请填写成立日期"))])
    charter = TextAreaField(_l("联盟章程"), validators=[DataRequired(_l("请填写联盟章程")), Length(max=20000)],
                            render_kw={"rows": 8},
                            description=_l("宗旨、成员权利义务、盟主轮值办法、联合项目与成果共享等"))
    submit = SubmitField(_l("保存"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", _l("请选择"))] + [(k.value, k.label) for k in AllianceKind]


class AllianceCreateForm(AllianceForm):
    """Founding an alliance: also its lead and first members (all joining on the founding date)."""

    lead = StringField(_l("盟主工作室"), validators=[DataRequired(_l("请填写盟主工作室")), Length(max=100)],
                       description=_l("工作室编号或全称；盟主自动成为成员"))
    members = TextAreaField(_l("其他成员工作室"), validators=[DataRequired(_l("请填写成员工作室"))],
                            render_kw={"rows": 5},
                            description=_l("每行一个工作室编号或全称，可从 Excel 粘贴；"
                                           "成员须为已命名的工作室，且来自不同企业"))
    lookup = StringField(_l("查找已命名的工作室"), validators=[Optional(), Length(max=50)],
                         description=_l("输入名称、编号或企业名称的一部分"))
    find = SubmitField(_l("查找"))


class MemberForm(FlaskForm):
    """Admitting a studio to an alliance."""

    studio = StringField(_l("工作室编号或全称"), validators=[DataRequired(_l("请填写工作室编号或全称")),
                                                        Length(max=100)])
    joined_on = DateField(_l("加入日期"), validators=[InputRequired(_l("请填写加入日期"))])
    lookup = StringField(_l("查找已命名的工作室"), validators=[Optional(), Length(max=50)])
    find = SubmitField(_l("查找"))
    submit = SubmitField(_l("加入联盟"))


class LeaveForm(FlaskForm):
    """A member leaves (one form per member, told apart by prefix)."""

    left_on = DateField(_l("退出日期"), validators=[InputRequired(_l("请填写退出日期"))])
    reason = StringField(_l("退出原因"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("登记退出"))


class LeadForm(FlaskForm):
    """Rotating the lead to another current member."""

    studio_id = SelectField(_l("新任盟主"), coerce=int, choices=[], validate_choice=False)
    starts_on = DateField(_l("任期开始日期"), validators=[InputRequired(_l("请填写任期开始日期"))],
                          description=_l("现任盟主的任期到前一天为止"))
    note = StringField(_l("说明"), validators=[Optional(), Length(max=200)],
                       description=_l("如：按章程每两年轮值"))
    submit = SubmitField(_l("轮换盟主"))

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.studio_id.choices = [(0, _l("请选择"))] + [(s.id, f"{s.name}（{s.enterprise.name}）")
                                                        for s in candidates]


class DissolveForm(ConfirmedActionForm):
    dissolved_on = DateField(_l("解散日期"), validators=[InputRequired(_l("请填写解散日期"))])
    reason = TextAreaField(_l("解散原因"), validators=[DataRequired(_l("请填写解散原因")), Length(max=2000)],
                           render_kw={"rows": 2})
    submit = SubmitField(_l("解散联盟"))


class ProjectForm(VersionedForm):
    """A joint project: who takes part, who leads, when, where it stands, what came of it."""

    title = StringField(_l("项目名称"), validators=[DataRequired(_l("请填写项目名称")), Length(max=200)])
    goal = TextAreaField(_l("项目目标"), validators=[DataRequired(_l("请填写项目目标")), Length(max=5000)],
                         render_kw={"rows": 3})
    # Choices are checked by the service, which says in Chinese why a studio may not take part.
    studio_ids = MultiCheckboxField(_l("参与工作室"), coerce=int, choices=[], validate_choice=False)
    lead_studio_id = SelectField(_l("牵头工作室"), coerce=int, choices=[], validate_choice=False)
    starts_on = DateField(_l("开始日期"), validators=[InputRequired(_l("请填写开始日期"))])
    due_on = DateField(_l("完成期限"), validators=[InputRequired(_l("请填写完成期限"))])
    status = SelectField(_l("项目状态"), choices=[], validate_choice=False)
    results = TextAreaField(_l("项目成果"), validators=[Optional(), Length(max=10000)], render_kw={"rows": 4},
                            description=_l("项目完成时必填：攻克的难题、形成的专利、标准、技术革新和经济效益等"))
    submit = SubmitField(_l("保存"))

    def __init__(self, *args, candidates=(), statuses=tuple(ProjectStatus), **kwargs):
        super().__init__(*args, **kwargs)
        self.studio_ids.choices = [(s.id, f"{s.name}（{s.enterprise.name}）") for s in candidates]
        self.lead_studio_id.choices = [(0, _l("请选择"))] + [(s.id, s.name) for s in candidates]
        self.status.choices = [(s.value, s.label) for s in statuses]
