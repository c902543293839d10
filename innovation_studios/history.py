"""How innovation studios read in the audit log (see :mod:`core.audit.describe`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from core.audit.describe import register_actions, register_object
from innovation_studios.achievements.models import AchievementKind, PatentStatus
from innovation_studios.alliances.models import AllianceKind, ProjectStatus
from innovation_studios.assessments.models import Grade, RectificationOutcome, ReportState
from innovation_studios.studios.models import MemberRole, StudioKind, StudioLevel, StudioState


def register() -> None:
    register_object(
        "studio", lazy_pgettext("audit", "创新工作室"), target_type="Studio", endpoint="studios.detail",
        id_arg="studio_id",
        fields={"field": _l("专业领域"), "industry": _l("所属行业"), "level_sought": _l("申报级别"),
                "space_equipment": _l("场地与设备"), "management_rules": _l("管理制度"),
                "plan": _l("工作计划"), "funding_note": _l("经费来源与保障"), "number": _l("编号"),
                "named_on": _l("命名日期"), "delisted_on": _l("摘牌日期"), "leader": _l("领办人"),
                "leader_worker_id": _l("领办人"), "member": _l("成员"), "role": _l("角色"),
                "joined_on": _l("加入日期"), "changed_on": _l("变更日期"),
                "rectification_deadline": _l("整改期限")},
        values={"state": lambda v: StudioState(v).label, "kind": lambda v: StudioKind(v).label,
                "level_sought": lambda v: StudioLevel(v).label, "level": lambda v: StudioLevel(v).label,
                "role": lambda v: MemberRole(v).label})
    register_object(
        "studio_achievement", lazy_pgettext("audit", "工作室成果"), target_type="Achievement",
        endpoint="studio_achievements.detail", id_arg="studio_achievement_id",
        fields={"achieved_on": _l("取得日期"), "economic_benefit": _l("经济效益（万元）"),
                "issuer": _l("颁发单位"), "patent_number": _l("专利号"), "patent_status": _l("专利状态")},
        values={"kind": lambda v: AchievementKind(v).label,
                "patent_status": lambda v: PatentStatus(v).label})
    register_object(
        "studio_funding", lazy_pgettext("audit", "工作室经费"), fields={"grant": _l("拨付"), "use": _l("使用")})
    register_object(
        "studio_round", lazy_pgettext("audit", "年度考核"), target_type="AssessmentRound",
                    endpoint="studio_assessments.round_detail", id_arg="assessment_round_id")
    register_object(
        "studio_report", lazy_pgettext("audit", "年度考核报告"), target_type="AnnualReport",
        endpoint="studio_assessments.report_detail", id_arg="annual_report_id",
        fields={"next_plan": _l("下年度计划"), "apprentices_trained": _l("培养徒弟（人）"),
                "trainings_held": _l("开展培训（场次）"), "achievements": _l("成果")},
        values={"state": lambda v: ReportState(v).label, "grade": lambda v: Grade(v).label})
    register_object(
        "studio_rectification", lazy_pgettext("audit", "整改"), target_type="Rectification",
                    endpoint="studio_assessments.rectification", id_arg="rectification_id",
                    fields={"outcome": _l("验收结果")},
                    values={"outcome": lambda v: RectificationOutcome(v).label})
    register_object(
        "alliance", lazy_pgettext("audit", "工作室联盟"), target_type="Alliance",
        endpoint="studio_alliances.public_detail",
        id_arg="alliance_id",
        fields={"charter": _l("联盟章程"), "founded_on": _l("成立日期"), "lead": _l("盟主")},
        values={"kind": lambda v: AllianceKind(v).label})
    register_object(
        "joint_project", lazy_pgettext("audit", "联合项目"), target_type="JointProject",
        endpoint="studio_alliances.project", id_arg="joint_project_id",
        fields={"goal": _l("目标"), "results": _l("成果"), "lead_studio_id": _l("牵头工作室"),
                "studio": _l("工作室"), "studio_ids": _l("参与工作室"), "achievement": _l("成果")},
        values={"status": lambda v: ProjectStatus(v).label})
    register_actions({
        "studio.leader_change": _l("更换领办人"), "studio.member_join": _l("成员加入"),
        "studio.member_leave": _l("成员退出"), "studio.member_remove": _l("移除成员"),
        "studio_achievement.evidence_add": _l("上传成果证明"),
        "studio_achievement.evidence_remove": _l("删除成果证明"),
        "studio_funding.grant": _l("拨付工作室经费"), "studio_funding.use": _l("登记经费使用"),
        "studio_funding.grant_delete": _l("删除经费拨付"), "studio_funding.use_delete": _l("删除经费使用"),
        "alliance.add_member": _l("联盟增加成员"), "alliance.member_left": _l("成员退出联盟"),
        "alliance.change_lead": _l("更换盟主"), "joint_project.record_achievement": _l("登记联合项目成果"),
    })
