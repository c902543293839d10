"""Demo data for a studio's records, loaded by the innovation studios' ``demo.load()`` once its
studios are named. It copes with whatever named studios exist (none: it adds nothing).

* **Achievements**: two to five per named studio over the last two years — patents with valid
  numbers, technical improvements, suggestions, papers, standards, construction methods and
  awards — with members and an economic benefit for most.
* **Funding**: craftsman studios get 10万元 a year for three years from their naming year (the
  title's benefit); model-worker studios a one-off 5万元; some of it is already spent.
* **The 2025 annual assessment**, open for reports until a month from today: the studios named
  by the end of 2025 have reported, except one of the demo ``enterprise`` account's (left for
  the demo); grades are 优秀 for the best, 合格 for most, and one studio of another enterprise
  graded 不合格 is in rectification.

Everything goes through the services, so the rules hold and the audit trail is real.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from core.accounts.models import User
from core.extensions import db
from core.organizations.models import Enterprise
from core.timeutil import beijing_today
from innovation_studios.achievements import funding
from innovation_studios.achievements import services as achievements
from innovation_studios.achievements.models import AchievementKind
from innovation_studios.achievements.patents import check_digit
from innovation_studios.assessments import services as assessments
from innovation_studios.studios.models import Studio, StudioKind
from innovation_studios.studios.states import NAMED_STATES

#: The demo ``enterprise`` account's enterprise (core.demo).
DEMO_ENTERPRISE = "北京京城精工机床有限公司"
ASSESSED_YEAR = 2025

#: (kind, title, issuer, benefit in 万元 or None) for the demo's achievements.
TEMPLATES = [
    (AchievementKind.PATENT, "一种数控车床主轴快速找正装置", "国家知识产权局", "18.6"),
    (AchievementKind.PATENT, "一种管道环焊缝自动检测工装", "国家知识产权局", "9.2"),
    (AchievementKind.PATENT, "一种高精度齿轮检测夹具", "国家知识产权局", None),
    (AchievementKind.INNOVATION, "加工中心换刀机构改进", "", "32.5"),
    (AchievementKind.INNOVATION, "变电站巡检机器人路径优化", "", "12.75"),
    (AchievementKind.INNOVATION, "地铁车辆轮对检修流程再造", "", "46"),
    (AchievementKind.SUGGESTION, "关于优化切削液回收流程的建议", "设备管理部", "3.8"),
    (AchievementKind.SUGGESTION, "关于班前安全确认卡的建议", "安全质量部", None),
    (AchievementKind.PAPER, "大型薄壁件数控加工变形控制研究", "《机械工程师》", None),
    (AchievementKind.PAPER, "焊接机器人离线编程在钢结构中的应用", "《焊接技术》", None),
    (AchievementKind.STANDARD, "精密主轴装配工艺规程", "企业标准 Q/JC 0312-{year}", "6.5"),
    (AchievementKind.METHOD, "超高层钢结构整体提升施工工法", "北京市住房和城乡建设委员会", "58"),
    (AchievementKind.AWARD, "北京市职工技术创新成果一等奖", "北京市总工会", None),
    (AchievementKind.AWARD, "首都劳动奖状", "北京市总工会", None),
]
PURPOSES = ["购置三坐标测量仪", "举办数控技能培训班", "创新成果转化试验材料", "技术交流与专家咨询", "工作室场地改造"]


def _patent_number(rng: random.Random, year: int) -> str:
    digits = f"{year}{rng.choice('12')}{rng.randint(100000, 9999999):07d}"
    return f"ZL{digits}.{check_digit(digits)}"


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _owner(studio: Studio, demo_enterprise_id: int | None, enterprise_user):
    """Who acts for the studio's enterprise: the demo account for its own enterprise, else the system."""
    return enterprise_user if studio.enterprise_id == demo_enterprise_id else None


def load(seed: int = 2025) -> None:
    rng = random.Random(seed)
    today = beijing_today()
    studios = list(db.session.scalars(select(Studio).where(Studio.state.in_([s.value for s in NAMED_STATES]))
                                      .order_by(Studio.named_on, Studio.id)))
    if not studios:
        return
    admin, reviewer, enterprise_user = _user("admin"), _user("reviewer"), _user("enterprise")
    demo_enterprise_id = db.session.scalar(select(Enterprise.id).where(Enterprise.name == DEMO_ENTERPRISE))

    for index, studio in enumerate(studios):
        by = _owner(studio, demo_enterprise_id, enterprise_user)
        members = [w.id for w in achievements.eligible_members(studio)]
        count = 2 + (index * 3 + 1) % 4
        for n in range(count):
            kind, title, issuer, benefit = TEMPLATES[(index * 5 + n * 3) % len(TEMPLATES)]
            year = today.year - (n % 2)
            achieved_on = min(date(year, 1 + (index + n * 4) % 12, 1 + (index * 7 + n) % 27), today)
            data = achievements.AchievementData(
                kind=kind.value, title=title if n < len(TEMPLATES) else f"{title}（{n}）", achieved_on=achieved_on,
                member_ids=rng.sample(members, k=min(len(members), 1 + n % 3)),
                issuer=issuer.format(year=achieved_on.year),  # a standard's number carries its year
                description="", economic_benefit=benefit)
            if kind is AchievementKind.PATENT:
                data.patent_number = _patent_number(rng, year - (n % 2))
                data.patent_status = "granted" if n % 2 else "applied"
            achievements.create_achievement(studio, data, by=by)

        if studio.kind == StudioKind.CRAFTSMAN.value or index % 3 == 0:
            craftsman = studio.kind == StudioKind.CRAFTSMAN.value
            first_year = min(max(studio.named_on.year, 2000), today.year)
            grants = funding.add_grants(studio, funding.GrantData(
                year=first_year, years=3 if craftsman else 1,
                amount="10" if craftsman else "5",
                source="北京市总工会工匠创新工作室补助" if craftsman else "北京市总工会劳模创新工作室补助"), by=admin)
            for grant in grants:
                if grant.year > today.year:
                    continue
                spend_on = min(date(grant.year, 6, 15), today)
                for k in range(1 + index % 2):
                    funding.add_use(grant, used_on=max(spend_on - timedelta(days=30 * k), date(grant.year, 1, 1)),
                                    amount=str(Decimal("1.85") + Decimal("0.9") * k),
                                    purpose=PURPOSES[(index + k) % len(PURPOSES)], by=by)
    db.session.flush()
    _assessment(studios, today, admin, reviewer, enterprise_user, demo_enterprise_id)


def _assessment(studios, today, admin, reviewer, enterprise_user, demo_enterprise_id) -> None:
    """The 2025 round, its reports and grades, one studio in rectification."""
    assessment = assessments.open_round(ASSESSED_YEAR, today + timedelta(days=30),
                                        note="请各工作室如实填报年度工作总结、成果和经费使用情况。", by=admin)
    expected = [s for s in studios if s.named_on and s.named_on <= date(ASSESSED_YEAR, 12, 31)]
    if not expected:
        return
    own = [s for s in expected if s.enterprise_id == demo_enterprise_id]
    left_for_demo = own[-1] if own else None
    failing = next((s for s in reversed(expected) if s.enterprise_id != demo_enterprise_id), None)
    graded = 0
    for index, studio in enumerate(expected):
        if studio is left_for_demo:
            continue
        by = _owner(studio, demo_enterprise_id, enterprise_user)
        report = assessments.start_report(studio, assessment.year, by=by)
        assessments.save_report(report, assessments.ReportData(
            summary=f"{ASSESSED_YEAR}年，{studio.name}围绕生产一线难题开展技术攻关，完成革新项目和合理化建议多项，"
                    "组织技能培训和师带徒活动，成果在本单位推广应用。",
            next_plan="继续围绕关键工序开展攻关，推动成果转化，扩大师带徒覆盖面。",
            apprentices_trained=2 + index % 5, trainings_held=3 + index % 4,
            achievement_ids=[a.id for a in report.achievements]), expected_version=report.version, by=by)
        assessments.submit_report(report, expected_version=report.version, by=by)
        grader = reviewer if reviewer is not None and reviewer.union_id in studio.enterprise.union_ids() else admin
        if studio is failing:
            assessments.grade_report(report, "fail", "年度活动记录不全，成果转化不足，经费使用台账不规范。",
                                     rectification_deadline=today + timedelta(days=90),
                                     expected_version=report.version, by=grader)
        elif index % 4 != 3:  # every fourth report still waits for its grade
            excellent = graded % 5 == 0
            assessments.grade_report(report, "excellent" if excellent else "qualified",
                                     "工作扎实，成果突出。" if excellent else "",
                                     expected_version=report.version, by=grader)
            graded += 1
    db.session.flush()
