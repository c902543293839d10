"""Innovation studios at the plan's scale: 8,000 studios with their leaders and members, 80,000
achievements and 300 studio alliances with their lead terms and joint projects.

Loads the data with bulk inserts (not through the services, which audit every row), then
requests pages through the app as the administrator and prints one figure a line as
``name: value unit``: the median time of the studio list (unfiltered and filtered), a studio's
page, and the alliance pages, the number of SQL statements each page runs, and the median CPU
time of this process per page (steadier than the wall clock on a shared machine). Runs on a
temporary SQLite database by default; with ``BENCH_DATABASE_URL`` set it runs on that
PostgreSQL database, inside a schema of its own that it drops at the end.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

from bench.common import bulk_insert, database, log_in, medians_ms  # noqa: E402
from core import create_app, crypto, demo  # noqa: E402
from core.accounts.models import User  # noqa: E402
from core.extensions import db  # noqa: E402
from core.organizations.models import Enterprise, Union, UnionKind  # noqa: E402
from core.people.models import SkillLevel, Worker  # noqa: E402
from innovation_studios.achievements.models import Achievement, AchievementKind, AchievementMember  # noqa: E402
from innovation_studios.alliances.models import (
    Alliance,
    AllianceKind,
    AllianceLeadTerm,
    AllianceMembership,
    JointProject,
    JointProjectStudio,
    ProjectStatus,
)
from innovation_studios.studios.models import (
    INDUSTRIES,
    MemberRole,
    Studio,
    StudioKind,
    StudioLevel,
    StudioMember,
    StudioState,
)

STUDIOS = 8_000
ACHIEVEMENTS = 80_000
ALLIANCES = 300
EXTRA_ENTERPRISES = 2_500
MEMBERS_PER_STUDIO = 3
#: The sample studio's achievements (a busy studio: its page lists the latest and the totals).
SAMPLE_ACHIEVEMENTS = 60
REPEAT = 30
TODAY = date(2026, 11, 20)

#: State of the studios, by share: most are named, some on their way in or out.
STATES = ([StudioState.NAMED] * 80 + [StudioState.RECTIFICATION] * 4 + [StudioState.DELISTED] * 4
          + [StudioState.APPLIED] * 5 + [StudioState.UNDER_REVIEW] * 3 + [StudioState.RETURNED] * 2
          + [StudioState.DRAFT] * 2)
NAMED = {StudioState.NAMED, StudioState.RECTIFICATION, StudioState.DELISTED}
FIELDS = ["数控加工", "焊接工艺", "电力运维", "轨道交通信号", "热能动力", "精细化工", "智能制造", "建筑施工",
          "市政管网", "汽车维修", "物流仓储", "食品检验", "软件开发", "仪器仪表", "水处理"]
ACHIEVEMENT_TITLES = ["主轴快速找正装置", "焊缝自动检测方法", "变压器油色谱在线监测改进", "道岔缺口监测优化",
                      "锅炉燃烧优化控制", "精馏塔节能改造", "机器人焊接路径规划", "盾构管片拼装工法",
                      "管网泄漏定位技术", "发动机故障快速诊断", "立体仓库调度优化", "农残快检流程"]


def _enterprises(rng: random.Random) -> list[tuple[int, int]]:
    """The demo's 20 enterprises and EXTRA_ENTERPRISES more: (id, district union id)."""
    districts = db.session.scalars(select(Union).where(Union.kind == UnionKind.DISTRICT)).all()
    known = set(db.session.scalars(select(Enterprise.uscc)))
    rows = []
    for n in range(EXTRA_ENTERPRISES):
        district = rng.choice(districts)
        uscc = demo.make_uscc(rng, district.region_code)
        while uscc in known:
            uscc = demo.make_uscc(rng, district.region_code)
        known.add(uscc)
        rows.append({"name": f"北京{district.name.removesuffix('总工会')}第{n + 1}实业有限公司", "uscc": uscc,
                     "district_union_id": district.id, "version": 1})
    bulk_insert(Enterprise, rows)
    return [tuple(r) for r in db.session.execute(select(Enterprise.id, Enterprise.district_union_id))]


def _workers(rng: random.Random, enterprise_ids: list[int]) -> list[int]:
    """One worker per enterprise id given, in order (leaders and members)."""
    used = set(db.session.scalars(select(Worker.id_number_hash)))
    rows = []
    for enterprise_id in enterprise_ids:
        male = rng.random() < 0.7
        birth = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 365 * 35))
        number = demo.make_id_number(rng, "110105", birth, male)
        while crypto.lookup_hash(number) in used:
            number = demo.make_id_number(rng, "110105", birth, male)
        used.add(crypto.lookup_hash(number))
        rows.append({
            "name": rng.choice(demo.SURNAMES) + rng.choice(demo.GIVEN_MALE if male else demo.GIVEN_FEMALE),
            "gender": "male" if male else "female", "id_number_encrypted": crypto.encrypt(number),
            "id_number_hash": crypto.lookup_hash(number), "id_number_masked": number[:6] + "********" + number[-4:],
            "birth_date": birth, "mobile": f"139{rng.randint(0, 99_999_999):08d}", "enterprise_id": enterprise_id,
            "occupation": "钳工", "skill_level": SkillLevel.LEVEL_1.value, "years_in_occupation": rng.randint(5, 30),
            "version": 1})
    return bulk_insert(Worker, rows)


def _studios(rng: random.Random, enterprises: list[tuple[int, int]]) -> list[dict]:
    """8,000 studios with their leaders and members; returns the studio rows with their ids."""
    owners = [rng.choice(enterprises)[0] for _ in range(STUDIOS)]
    leaders = _workers(rng, owners)
    rows = []
    for n, (enterprise_id, leader) in enumerate(zip(owners, leaders, strict=True)):
        state = rng.choice(STATES)
        kind = rng.choice(list(StudioKind))
        level = rng.choice(list(StudioLevel))
        year = rng.randint(2016, 2026)
        named = state in NAMED
        named_on = date(year, rng.randint(1, 10), rng.randint(1, 28)) if named else None
        rows.append({
            "name": f"{rng.choice(FIELDS)}创新工作室{n + 1:05d}", "kind": kind.value,
            "level_sought": level.value, "level": level.value if named else None, "enterprise_id": enterprise_id,
            "leader_worker_id": leader, "field": rng.choice(FIELDS), "industry": rng.choice(INDUSTRIES),
            "space_equipment": "生产车间二层，面积 120 平方米，配备三坐标测量仪等设备。",
            "management_rules": "每周例会；成果登记与奖励办法；师带徒协议。",
            "plan": "三年内攻克五项工艺难题，培养技师十名。",
            "funding_note": "企业每年投入 20 万元。", "state": state.value,
            "applied_year": (named_on.year if named_on else 2026) if state != StudioState.DRAFT else None,
            "named_on": named_on, "number": f"BJCX-{year}-{n + 1:05d}" if named else None,
            "delisted_on": date(min(year + 2, 2026), 6, 1) if state == StudioState.DELISTED else None,
            "version": 1})
    ids = bulk_insert(Studio, rows)
    for row, studio_id in zip(rows, ids, strict=True):
        row["id"] = studio_id
    members = _workers(rng, [row["enterprise_id"] for row in rows for _ in range(MEMBERS_PER_STUDIO)])
    bulk_insert(StudioMember, [
        {"studio_id": row["id"], "worker_id": members[i * MEMBERS_PER_STUDIO + k],
         "role": (MemberRole.DEPUTY if k == 0 else MemberRole.CORE).value,
         "joined_on": row["named_on"] or date(2026, 1, 1)}
        for i, row in enumerate(rows) for k in range(MEMBERS_PER_STUDIO)], returning=False)
    return rows


def _achievements(rng: random.Random, studios: list[dict], sample: dict) -> int:
    """80,000 achievements of named (and once-named) studios, the sample studio's many."""
    holders = [s for s in studios if s["named_on"]]
    owners = [sample] * SAMPLE_ACHIEVEMENTS + [rng.choice(holders) for _ in range(ACHIEVEMENTS - SAMPLE_ACHIEVEMENTS)]
    counters: dict[int, int] = {}
    rows = []
    for studio in owners:
        k = counters[studio["id"]] = counters.get(studio["id"], 0) + 1
        kind = rng.choice(list(AchievementKind))
        start = studio["named_on"] - timedelta(days=365)
        achieved_on = start + timedelta(days=rng.randrange(0, max(1, (TODAY - start).days)))
        row = {"studio_id": studio["id"], "kind": kind.value,
               "title": f"{rng.choice(ACHIEVEMENT_TITLES)}（第{k}项）", "achieved_on": achieved_on,
               "issuer": "", "description": "在生产一线推广应用，效果良好。", "version": 1,
               "economic_benefit": Decimal(rng.randint(0, 2000)) / 10 if rng.random() < 0.4 else None}
        if kind == AchievementKind.PATENT:
            row.update(patent_number=f"{achieved_on.year}10{studio['id'] % 10_000:04d}{k:02d}.{k % 10}",
                       patent_status=rng.choice(("applied", "granted")))
        rows.append(row)
    # Without RETURNING (three times faster); the throwaway table was empty, so the ids in
    # order are the rows in order.
    bulk_insert(Achievement, rows, returning=False)
    ids = db.session.scalars(select(Achievement.id).order_by(Achievement.id)).all()
    bulk_insert(AchievementMember, [{"achievement_id": a, "worker_id": studio["leader_worker_id"]}
                                    for a, studio in zip(ids, owners, strict=True)], returning=False)
    return len(ids)


def _alliances(rng: random.Random, studios: list[dict], sample: dict) -> int:
    """300 alliances of 3-6 named studios of different enterprises, with lead terms and projects;
    the sample studio leads the first."""
    named = [s for s in studios if s["state"] in (StudioState.NAMED.value, StudioState.RECTIFICATION.value)]
    alliance_rows, plans = [], []
    for n in range(ALLIANCES):
        kind = rng.choice(list(AllianceKind))
        pool = named if kind != AllianceKind.SAME_KIND else [s for s in named if s["kind"] == StudioKind.WORKER]
        members: dict[int, dict] = {sample["enterprise_id"]: sample} if n == 0 else {}
        while len(members) < rng.randint(3, 6):
            studio = rng.choice(pool)
            members.setdefault(studio["enterprise_id"], studio)
        chosen = list(members.values())
        if kind == AllianceKind.SAME_KIND and n == 0:
            kind = AllianceKind.RELATED
        if kind == AllianceKind.MIXED_KINDS and len({s["kind"] for s in chosen}) < 2:
            kind = AllianceKind.RELATED
        founded = max(date(rng.randint(2019, 2025), rng.randint(1, 12), 1), max(s["named_on"] for s in chosen))
        founded = min(founded, TODAY)
        alliance_rows.append({"name": f"首都{rng.choice(FIELDS)}创新工作室联盟{n + 1:03d}", "kind": kind.value,
                              "founded_on": founded, "charter": "联盟章程：联合攻关、成果共享、盟主轮值。",
                              "version": 1})
        plans.append((chosen, founded))
    alliance_ids = bulk_insert(Alliance, alliance_rows)
    memberships, terms, projects, project_plans = [], [], [], []
    for alliance_id, (chosen, founded) in zip(alliance_ids, plans, strict=True):
        memberships += [{"alliance_id": alliance_id, "studio_id": s["id"], "joined_on": founded} for s in chosen]
        rotation = founded + timedelta(days=730)
        if rotation <= TODAY and alliance_id != alliance_ids[0]:
            terms += [{"alliance_id": alliance_id, "studio_id": chosen[0]["id"], "starts_on": founded,
                       "ends_on": rotation - timedelta(days=1)},
                      {"alliance_id": alliance_id, "studio_id": chosen[1]["id"], "starts_on": rotation}]
        else:
            terms.append({"alliance_id": alliance_id, "studio_id": chosen[0]["id"], "starts_on": founded})
        for year in range(founded.year, TODAY.year + 1):
            for _ in range(rng.choice((0, 1, 1, 2))):
                starts = max(date(year, rng.randint(1, 9), 1), founded)
                due = starts + timedelta(days=rng.randint(90, 500))
                status = (ProjectStatus.COMPLETED if due < TODAY else
                          rng.choice((ProjectStatus.IN_PROGRESS, ProjectStatus.PLANNED)))
                if rng.random() < 0.05:
                    status = ProjectStatus.CANCELLED
                team = rng.sample(chosen, rng.randint(2, min(3, len(chosen))))
                projects.append({"alliance_id": alliance_id, "title": f"{rng.choice(ACHIEVEMENT_TITLES)}联合攻关",
                                 "goal": "联合攻克关键工艺难题。", "lead_studio_id": team[0]["id"], "starts_on": starts,
                                 "due_on": due, "status": status.value,
                                 "results": "形成企业标准一项。" if status == ProjectStatus.COMPLETED else "",
                                 "version": 1})
                project_plans.append(team)
    bulk_insert(AllianceMembership, memberships, returning=False)
    bulk_insert(AllianceLeadTerm, terms, returning=False)
    project_ids = bulk_insert(JointProject, projects)
    bulk_insert(JointProjectStudio, [{"project_id": p, "studio_id": s["id"]}
                                     for p, team in zip(project_ids, project_plans, strict=True) for s in team],
                returning=False)
    return len(alliance_ids)


def load(rng: random.Random) -> dict:
    demo.load(workers_per_enterprise=1)
    enterprises = _enterprises(rng)
    studios = _studios(rng, enterprises)
    sample = next(s for s in studios[len(studios) // 2:] if s["state"] == StudioState.NAMED.value)
    achievements = _achievements(rng, studios, sample)
    alliances = _alliances(rng, studios, sample)
    db.session.commit()
    district = db.session.get(Enterprise, sample["enterprise_id"]).district_union_id
    first_alliance = db.session.scalar(select(Alliance.id).order_by(Alliance.id))
    return {"studio_id": sample["id"], "kind": sample["kind"], "level": sample["level"],
            "year": sample["named_on"].year, "district_id": district, "name": sample["name"],
            "alliance_id": first_alliance, "achievements": achievements, "alliances": alliances}


def main() -> None:
    with database("bench_studios") as (backend, url, engine_options):
        app = create_app("testing", {"DATABASE_URL": url, "SQLALCHEMY_ENGINE_OPTIONS": engine_options})
        with app.app_context():
            db.create_all()
            start = time.perf_counter()
            sample = load(random.Random(7))
            load_s = time.perf_counter() - start
            db.session.execute(sa.text("ANALYZE"))  # planner statistics, as autovacuum keeps them
            db.session.commit()
            studios = db.session.scalar(select(sa.func.count()).select_from(Studio))
            engine = db.engine
        print(f"# bench_studios on {backend}", file=sys.stderr)
        print(f"studios_loaded: {studios} studios")
        print(f"achievements_loaded: {sample['achievements']} achievements")
        print(f"alliances_loaded: {sample['alliances']} alliances")
        print(f"bulk_load_time: {load_s:.1f} s")

        filtered = "/studios/?" + urlencode({"kind": sample["kind"], "level": sample["level"],
                                             "district_id": sample["district_id"], "year": sample["year"]})
        pages = {
            "studio_admin_list": ("/studios/", None),
            "studio_admin_list_filtered": (filtered, sample["name"]),
            "studio_detail": (f"/studios/{sample['studio_id']}", "参加的创新工作室联盟"),
            "alliance_admin_list": (f"/alliances/manage?year={TODAY.year}", "联盟"),
            "alliance_admin_list_without_projects": (f"/alliances/manage?year={TODAY.year}&without=1", "无联合项目"),
            "alliance_workspace": (f"/alliances/{sample['alliance_id']}/workspace", sample["name"]),
            "alliance_directory": ("/alliances", "联盟"),
            "alliance_export": (f"/alliances/manage/alliances.xlsx?year={TODAY.year}", None),
        }
        with app.app_context():
            client = log_in(app.test_client(), db.session.scalar(select(User).where(User.username == "admin")))
        statements: list[str] = []

        def count(_conn, _cursor, statement, *_args):
            statements.append(statement)

        queries, cpu = {}, {}
        for label, (path, expected) in pages.items():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            if expected:
                assert expected in response.get_data(as_text=True), (path, expected)
            response.close()
            wall, cpu[label] = medians_ms(lambda p=path: client.get(p), REPEAT)
            print(f"{label}: {wall:.1f} ms")
            statements.clear()
            event.listen(engine, "before_cursor_execute", count)
            client.get(path)
            event.remove(engine, "before_cursor_execute", count)
            queries[label] = len(statements)
        for label, n in queries.items():
            print(f"{label}_queries: {n} queries")
        for label, ms in cpu.items():
            print(f"{label}_cpu: {ms:.1f} ms")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
