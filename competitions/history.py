"""How skills competitions read in the audit log (see :mod:`core.audit.describe`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from competitions.models import AppealStatus, ContestantStatus, EventState
from core.audit.describe import register_actions, register_object
from core.people.models import SkillLevel


def register() -> None:
    register_object(
        "competition", lazy_pgettext("audit", "竞赛"), target_type="Competition",
                    endpoint="competitions.competition", id_arg="competition_id",
                    fields={"organizer": _l("主办单位")})
    register_object(
        "event", lazy_pgettext("audit", "赛项"), target_type="Event", endpoint="competitions.event", id_arg="event_id",
        fields={"registration_opens": _l("报名开始"), "registration_closes": _l("报名截止"),
                "quota_per_enterprise": _l("每个单位限报"), "min_skill_level": _l("最低技能等级"),
                "min_age": _l("最小年龄"), "max_age": _l("最大年龄"),
                "theory_weight_cap": _l("理论成绩占比上限"), "appeal_window_minutes": _l("申诉时限（分钟）"),
                "first_prize_percent": _l("一等奖比例"), "second_prize_percent": _l("二等奖比例"),
                "third_prize_percent": _l("三等奖比例"), "tie_break_kinds": _l("并列时的比较顺序"),
                "promotion_top_n": _l("推荐晋级名额"), "title_top_n": _l("推荐称号名额"),
                "contestants": _l("选手人数"), "count": _l("人数"), "sample": _l("抽查人数"),
                "top": _l("前列人数"), "ranked": _l("排名人数"), "recheck_seed": _l("抽查随机数"),
                "occupation_code": _l("职业编码")},
        values={"state": lambda v: EventState(v).label, "min_skill_level": lambda v: SkillLevel(v).label})
    register_object(
        "contestant", lazy_pgettext("audit", "选手"), target_type="Contestant",
                    fields={"event_id": _l("赛项"), "source": _l("报名方式")},
                    values={"status": lambda v: ContestantStatus(v).label})
    register_object(
        "judge", lazy_pgettext("audit", "裁判"), fields={"is_chief": _l("裁判长"), "judge_id": _l("裁判")})
    register_object(
        "mark", lazy_pgettext("audit", "评分"), target_type="Mark")
    register_object(
        "sheet", lazy_pgettext("audit", "评分表"), fields={"module": _l("模块")})
    register_object(
        "scheme", lazy_pgettext("audit", "评分方案"), fields={"module": _l("模块"), "criterion": _l("评分项"),
                                                   "aspect": _l("评分细项"), "scheme": _l("评分方案")})
    register_object(
        "discrepancy", lazy_pgettext("audit", "评分分歧"), target_type="Discrepancy",
                    fields={"judge_id": _l("裁判"), "marks": _l("分数")})
    register_object(
        "recheck", lazy_pgettext("audit", "复核"), target_type="RecheckItem", fields={"outcome": _l("复核结果")})
    register_object(
        "results", lazy_pgettext("audit", "成绩"))
    register_object(
        "appeal", lazy_pgettext("audit", "申诉"), target_type="Appeal",
                    endpoint="competitions_results.rule_appeal", id_arg="appeal_id",
                    fields={"rank": _l("名次"), "marks": _l("分数")},
                    values={"status": lambda v: AppealStatus(v).label})
    register_actions({
        "event.draw_lots": _l("抽签"), "event.redraw_lots": _l("重新抽签"),
        "event.recheck_draw": _l("抽取复核名单"), "event.full_recheck": _l("全面复核"),
        "event.import_contestants": _l("导入选手"), "judge.name_chief": _l("指定裁判长"),
        "mark.change_after_lock": _l("锁定后改分"), "sheet.submit": _l("提交评分表"),
        "sheet.resubmit": _l("重新提交评分表"), "scheme.add_module": _l("添加评分模块"),
        "scheme.add_criterion": _l("添加评分项"), "scheme.add_aspect": _l("添加评分细项"),
        "scheme.update_module": _l("修改评分模块"), "scheme.update_criterion": _l("修改评分项"),
        "scheme.update_aspect": _l("修改评分细项"), "scheme.remove_module": _l("删除评分模块"),
        "scheme.remove_criterion": _l("删除评分项"), "scheme.remove_aspect": _l("删除评分细项"),
        "discrepancy.cleared": _l("分歧已消除"),
    })
