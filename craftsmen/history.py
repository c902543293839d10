"""How craftsman selection reads in the audit log (see :mod:`core.audit.describe`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from core.audit.describe import register_actions, register_object
from core.people.models import SkillLevel
from craftsmen.models import CraftsmanLevel, CycleStatus, NominationState, ObjectionStatus


def register() -> None:
    register_object(
        "cycle", lazy_pgettext("audit", "选树周期"), target_type="SelectionCycle", endpoint="craftsmen.cycle",
        id_arg="cycle_id",
        fields={"status": _l("阶段"), "nomination_opens": _l("推荐开始"),
                "nomination_closes": _l("推荐截止"), "notice_days": _l("公示天数"),
                "occupations": _l("工种"), "min_years": _l("最低从业年限"),
                "min_skill_level": _l("最低技能等级"), "max_per_enterprise": _l("每个单位限报"),
                "organizer_union_id": _l("主办工会"), "disagreement_threshold": _l("分歧阈值"),
                "front_line_required": _l("须为一线职工"), "in_post_required": _l("须在岗"),
                "reopen_reason": _l("重新评审理由")},
        values={"status": lambda v: CycleStatus(v).label, "level": lambda v: CraftsmanLevel(v).label,
                "min_skill_level": lambda v: SkillLevel(v).label})
    register_object(
        "nomination", lazy_pgettext("audit", "推荐"), target_type="Nomination", endpoint="craftsmen_nomination.detail",
        id_arg="nomination_id",
        fields={"achievement": _l("成果"), "attachment": _l("证明材料"), "cycle_id": _l("选树周期"),
                "occupation": _l("工种")},
        values={"state": lambda v: NominationState(v).label})
    register_object(
        "notice", lazy_pgettext("audit", "公示"), target_type="PublicNotice",
                    endpoint="craftsmen_public.admin_objections", id_arg="notice_id")
    register_object(
        "objection", lazy_pgettext("audit", "异议"), target_type="Objection",
                    fields={"nomination_id": _l("被异议的推荐")},
                    values={"status": lambda v: ObjectionStatus(v).label})
    register_object(
        "title", lazy_pgettext("audit", "工匠称号"), target_type="CraftsmanTitle",
                    endpoint="craftsmen_public.title_detail", id_arg="title_id")
    register_object(
        "proposed_list", lazy_pgettext("audit", "建议名单"))
    register_actions({
        "nomination.achievement_add": _l("添加推荐成果"),
        "nomination.achievement_remove": _l("删除推荐成果"),
        "nomination.attachment_add": _l("上传证明材料"),
        "nomination.attachment_remove": _l("删除证明材料"),
        "nomination.name": _l("命名工匠"),
        "cycle.name": _l("命名本届工匠"),
        "cycle.notice_days": _l("修改公示天数"),
        "cycle.reopen_reason": _l("退回重新评审"),
        "objection.file": _l("收到公示异议"),
        "route.set": _l("设置选拔路线"),
        "route.arbitrators": _l("设置专家仲裁组"),
        "route.seed": _l("选定种子选手"),
        "route.unseed": _l("撤销种子选手"),
        "route.seed_vote": _l("支持列为种子选手"),
        "route.seed_unvote": _l("撤回对种子选手的支持"),
        "route.qualifier": _l("设立挑战者选拔赛"),
        "route.challenger": _l("报名挑战者选拔赛"),
        "route.advance": _l("确定晋级的挑战者"),
        "route.final": _l("设立决赛"),
    })
