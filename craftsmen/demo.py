"""Demo data for craftsman selection, loaded by ``flask seed-demo`` after the core demo data.

It gives every demo role something to do: a closed third edition whose craftsmen fill the
public registry; the fourth edition open for nominations (the demo enterprise has a submitted
nomination waiting in the 朝阳 reviewer's queue and a draft); and a 朝阳工匠 cycle in expert
review where the demo expert leads the panel and still has sheets to score.
"""

from __future__ import annotations

import io
import random
from datetime import date, timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from core.accounts import services as account_services
from core.accounts.models import User
from core.demo import DEMO_PASSWORD
from core.extensions import db
from core.organizations.models import Enterprise, Union
from core.people.models import SkillLevel, Worker
from core.roles import Role
from core.timeutil import beijing_today, utcnow
from craftsmen.models import (
    AchievementKind,
    CraftsmanLevel,
    CraftsmanTitle,
    CycleStatus,
    Nomination,
    NominationState,
)
from craftsmen.services import cycles, nominations, review

#: Statements written for the nominee's own occupation and years in it.
STATEMENTS = [
    "从事{occupation}工作{years}年，扎根生产一线，主持攻克本岗位关键技术难题，带出技师、高级技师多名。",
    "从事{occupation}工作{years}年，长期承担重点工程任务，总结的{occupation}操作法在全公司推广，创造经济效益数百万元。",
    "从事{occupation}工作{years}年，牵头开展技术革新，获授权实用新型专利多项，热心传授技艺，徒弟多人在市级竞赛中获奖。",
]


def _statement(worker: Worker, occupation: str, rng: random.Random) -> str:
    return rng.choice(STATEMENTS).format(occupation=occupation, years=worker.years_in_occupation)


def _evidence_pdf(title: str) -> bytes:
    """A small but well-formed one-page PDF standing in for a scanned certificate."""
    content = f"BT /F1 18 Tf 72 720 Td ({title}) Tj ET".encode("latin-1", "replace")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _prepare(worker: Worker, rng: random.Random) -> None:
    """Make a demo worker meet the fourth edition's rules (years and level)."""
    # Never more years in the trade than since the legal working age (16).
    worker.years_in_occupation = min(max(worker.years_in_occupation, rng.randint(8, 25)),
                                     worker.age_on(beijing_today()) - 16)
    if worker.skill_level_enum.rank < SkillLevel.LEVEL_2.rank:
        worker.skill_level = SkillLevel.LEVEL_2.value
    worker.in_post = True


def _nominate(cycle, worker, occupation, by, rng, *, submit: bool) -> Nomination:
    """A complete nomination with one evidenced achievement, submitted when asked."""
    nomination = nominations.create_draft(cycle, worker, occupation.id, by=by,
                                          statement=_statement(worker, occupation.name, rng))
    title = f"{rng.randint(2019, 2025)}年北京市职工职业技能大赛{occupation.name}项目一等奖"
    attachment = nominations.add_attachment(
        nomination, FileStorage(io.BytesIO(_evidence_pdf(f"Certificate {worker.id}")),
                                f"{worker.name}-获奖证书.pdf"), by=by)
    nominations.add_achievement(nomination, nominations.AchievementData(
        kind=AchievementKind.COMPETITION.value, title=title,
        achieved_on=date(rng.randint(2019, 2025), rng.randint(1, 12), 15),
        description="市级一类竞赛", attachment_id=attachment.id), by=by)
    if submit:
        nominations.submit(nomination, expected_version=nomination.version, by=by)
    return nomination


def _third_edition(rng: random.Random, admin: User) -> None:
    """2023: closed; 28 craftsmen named into the registry (historical records)."""
    now = utcnow()
    cycle = cycles.create_cycle(cycles.CycleData(
        title="第三届北京大工匠选树", level=CraftsmanLevel.CITY.value, year=2023,
        nomination_opens=now - timedelta(days=1000), nomination_closes=now - timedelta(days=940),
        occupations=[cycles.OccupationData(name, quota) for name, quota in (
            ("数控车工", 4), ("钳工", 4), ("焊工", 4), ("电工", 4), ("砌筑工", 3), ("化学检验员", 3),
            ("中式烹调师", 3), ("汽车维修工", 3))],
        min_years=5, min_skill_level=SkillLevel.LEVEL_2.value,
        description="第三届北京大工匠选树，命名 28 名北京大工匠。"), by=admin)
    cycle.status = CycleStatus.CLOSED.value
    named_on = date(2023, 9, 28)
    by_occupation = {o.name: o for o in cycle.occupations}
    workers = db.session.scalars(select(Worker).where(Worker.occupation.in_(by_occupation))
                                 .order_by(Worker.id)).all()
    rng.shuffle(workers)
    taken: dict[str, int] = {}
    for worker in workers:
        occupation = by_occupation[worker.occupation]
        if taken.get(occupation.name, 0) >= occupation.quota or len(taken) and sum(taken.values()) >= 28:
            continue
        taken[occupation.name] = taken.get(occupation.name, 0) + 1
        nomination = Nomination(cycle=cycle, occupation=occupation, worker=worker,
                                enterprise_id=worker.enterprise_id, state=NominationState.NAMED.value,
                                statement=_statement(worker, occupation.name, rng),
                                submitted_at=now - timedelta(days=960))
        db.session.add(nomination)
        db.session.flush()
        enterprise = db.session.get(Enterprise, worker.enterprise_id)
        db.session.add(CraftsmanTitle(
            nomination_id=nomination.id, worker_id=worker.id, cycle_id=cycle.id, name=worker.name,
            title="北京大工匠", level=CraftsmanLevel.CITY.value, year=2023, occupation=occupation.name,
            enterprise_name=enterprise.name,
            district=db.session.get(Union, enterprise.district_union_id).name, named_on=named_on))


def _fourth_edition(rng: random.Random, admin: User, enterprise_user: User) -> None:
    """2026: open for nominations; the demo enterprise has one submitted and one draft."""
    now = utcnow()
    cycle = cycles.create_cycle(cycles.CycleData(
        title="第四届北京大工匠选树", level=CraftsmanLevel.CITY.value, year=2026,
        nomination_opens=now - timedelta(days=10), nomination_closes=now + timedelta(days=45),
        occupations=[cycles.OccupationData(name, quota) for name, quota in (
            ("数控车工", 3), ("钳工", 3), ("铣工", 2), ("焊工", 3), ("电工", 3), ("汽车维修工", 2))],
        min_years=5, min_skill_level=SkillLevel.LEVEL_2.value, in_post_required=True,
        max_per_enterprise=3, notice_days=7,
        description="面向全市职工，按工种推荐。被推荐人须从事本工种满 5 年，技能等级二级/技师及以上。"),
        by=admin)
    cycles.open_nominations(cycle, by=admin)
    worker_account = _user("worker")
    demo_worker = db.session.get(Worker, worker_account.worker_id)
    _prepare(demo_worker, rng)
    colleagues = list(db.session.scalars(select(Worker).where(
        Worker.enterprise_id == enterprise_user.enterprise_id, Worker.id != demo_worker.id)
        .order_by(Worker.id)))[:1]
    by_name = {o.name: o for o in cycle.occupations}
    for worker, submit in ((demo_worker, True), *((w, False) for w in colleagues)):
        _prepare(worker, rng)
        occupation = by_name.get(worker.occupation) or by_name["钳工"]
        _nominate(cycle, worker, occupation, enterprise_user, rng, submit=submit)


def _chaoyang_cycle(rng: random.Random, admin: User, expert: User) -> None:
    """朝阳工匠 2026 in expert review: qualified nominees, a panel led by the demo expert."""
    now = utcnow()
    chaoyang = db.session.scalar(select(Union).where(Union.name == "朝阳区总工会"))
    cycle = cycles.create_cycle(cycles.CycleData(
        title="2026年朝阳工匠选树", level=CraftsmanLevel.DISTRICT.value, year=2026,
        organizer_union_id=chaoyang.id, nomination_opens=now - timedelta(days=60),
        nomination_closes=now - timedelta(days=20),
        occupations=[cycles.OccupationData("钳工", 2), cycles.OccupationData("数控车工", 2)],
        min_years=3), by=admin)
    cycle.status = CycleStatus.REVIEWING.value
    fitters = cycle.occupations[0]
    workers = db.session.scalars(select(Worker).where(Worker.enterprise_id != expert.employer_id,
                                                      Worker.occupation == fitters.name)
                                 .order_by(Worker.id).limit(4)).all()
    for worker in workers:
        db.session.add(Nomination(cycle=cycle, occupation=fitters, worker=worker,
                                  enterprise_id=worker.enterprise_id,
                                  state=NominationState.QUALIFIED.value,
                                  statement=_statement(worker, fitters.name, rng),
                                  submitted_at=now - timedelta(days=25),
                                  qualified_at=now - timedelta(days=15)))
    colleagues = []
    for username, name in (("expert2", "刘振华（评审专家）"), ("expert3", "陈桂英（评审专家）")):
        colleagues.append(account_services.create_account(account_services.AccountData(
            username=username, display_name=name, roles=[Role.EXPERT.value]), DEMO_PASSWORD, by=None))
    db.session.flush()
    panel = review.form_panel(fitters, [expert.id] + [u.id for u in colleagues], expert.id, by=admin)
    for nomination in review.subject_nominations(fitters):
        for colleague in colleagues:
            marks = {c["key"]: str(rng.randint(78, 92)) for c in panel.rubric["criteria"]}
            review.SCOPE.save_sheet(panel, nomination, colleague, marks, submit=True)


def load(seed: int = 2026) -> None:
    rng = random.Random(seed)
    admin, enterprise_user, expert = _user("admin"), _user("enterprise"), _user("expert")
    _third_edition(rng, admin)
    _fourth_edition(rng, admin, enterprise_user)
    _chaoyang_cycle(rng, admin, expert)
    db.session.flush()


def load_late(seed: int = 2026) -> None:
    """The competition road (竞赛选拔), once the other features' demo data is there."""
    from craftsmen.selection_route import demo as route_demo

    route_demo.load(seed)


#: Demo accounts this module adds, for the list that ``flask seed-demo`` prints.
EXTRA_LOGINS = [("expert2", "评审专家（朝阳工匠评审组）"), ("expert3", "评审专家（朝阳工匠评审组）")]
