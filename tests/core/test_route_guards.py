"""Every route says who may use it, and the answer matches for every role and for anonymous
visitors. A new route without a guard fails here (and the app refuses to start)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from core.access import EXEMPT_ENDPOINTS, check_all_routes_guarded, roles_required, unguarded_endpoints
from core.extensions import db
from core.roles import Role
from tests import factories

IDENTITIES = ["anonymous", "admin", "reviewer", "enterprise", "expert", "judge", "worker"]
#: Routes a role may use only for some records, where the sample record is not one of them.
#: Experts see a nomination only while their panel scores it (tests/craftsmen/test_review.py).
OWNERSHIP_REFUSALS = {("craftsmen_nomination.detail", "expert"),
                      ("craftsmen_nomination.download", "expert"), ("api.get_nomination", "expert")}
#: The sample nomination is a draft: the enterprise's own until submitted, not its union's.
OWNERSHIP_REFUSALS |= {(endpoint, "reviewer") for endpoint in (
    "craftsmen_nomination.detail", "craftsmen_nomination.download", "craftsmen_nomination.decide",
    "api.get_nomination")}
#: Appeals are ruled on by administrators and the competition's arbitration members only.
OWNERSHIP_REFUSALS |= {("competitions_results.rule_appeal", identity)
                       for identity in ("reviewer", "enterprise", "expert", "judge", "worker")}
#: Seed players are voted on only by the occupation's committee, which the sample expert is not on.
OWNERSHIP_REFUSALS |= {("craftsmen_route.support_seed", "expert"), ("craftsmen_route.withdraw_seed_vote", "expert")}
ROLE_OF = {"admin": Role.ADMIN, "reviewer": Role.UNION_REVIEWER, "enterprise": Role.ENTERPRISE,
           "expert": Role.EXPERT, "judge": Role.JUDGE, "worker": Role.WORKER}


def _sample_args(world, spare_user_id: int, records: dict) -> dict:
    """Path arguments pointing at records every role with access may legitimately see."""
    return {"worker_id": world.worker_a, "enterprise_id": world.ent_a, "user_id": spare_user_id,
            "move": "open", "asset": "api-docs.js", "unknown_path": "no-such-operation", **records}


def _make_records(world) -> dict:
    """Feature records for the path arguments (call inside an app context)."""
    from tests.craftsmen.conftest import make_cycle

    cycle = make_cycle()
    return {**_review_records(world), "cycle_id": cycle.id, **_publication_records(world),
            **_nomination_records(world, cycle), **_judging_records(_competition_records(world)),
            **_results_records(world), **_indicator_records(), **_alliance_records(world),
            **_certificate_records(world), **_batch_records(world),
            **_studio_record_records(world, _studio_records(world)), **_api_records(world),
            **_route_records(world), **_notification_records(world)}


def _route_records(world) -> dict:
    """A seed player on a competition-route occupation (竞赛选拔); ``stage`` names the qualifier."""
    from craftsmen.selection_route.models import SeedPlayer
    from tests.craftsmen.conftest import make_cycle, make_nomination

    cycle = make_cycle(title="竞赛选拔的周期")
    nomination = make_nomination(cycle, world.worker_b, "钳工")
    seed = SeedPlayer(occupation_id=nomination.occupation_id, nomination_id=nomination.id, reason="示例")
    db.session.add(seed)
    db.session.flush()
    return {"seed_id": seed.id, "stage": "qualifier"}


def _notification_records(world) -> dict:
    """A notification of the worker (others opening it get 404: it is not theirs)."""
    from core.notifications.models import Notification

    notice = Notification(user_id=world.users.worker, kind="panel.assigned", params={"panel": "测试"},
                          url="/home")
    db.session.add(notice)
    db.session.flush()
    return {"notification_id": notice.id}


def _api_records(world) -> dict:
    """An API token of the administrator (API 令牌 page), and a token of each identity for the
    API's routes, which take a bearer token and never the login cookie."""
    from api import services
    from core.accounts.models import User

    def issue(user_id: int, name: str) -> tuple:
        user = db.session.get(User, user_id)
        return services.issue(user, name, 30, by=user)

    sample, _secret = issue(world.users.admin, "路由测试令牌")
    bearer = {identity: issue(getattr(world.users, identity), "路由测试")[1] for identity in ROLE_OF}
    return {"token_id": sample.id, "api_bearer": bearer}


def _judging_records(records: dict) -> dict:
    """The competition records, with their judge made chief judge and a mark, a discrepancy and
    a recheck item on the contestant (裁判评分, 裁判长控制台)."""
    from competitions.models import Discrepancy, JudgeAssignment, Mark, RecheckItem

    db.session.get(JudgeAssignment, records["assignment_id"]).is_chief = True
    common = {"event_id": records["event_id"], "contestant_id": records["contestant_id"]}
    mark = Mark(aspect_id=records["aspect_id"], judge_id=db.session.get(
        JudgeAssignment, records["assignment_id"]).user_id, value=1, client_key="route-guard", **common)
    discrepancy = Discrepancy(aspect_id=records["aspect_id"], kind="double_entry", **common)
    item = RecheckItem(reason="top", **common)
    db.session.add_all([mark, discrepancy, item])
    db.session.flush()
    return {**records, "mark_id": mark.id, "discrepancy_id": discrepancy.id, "item_id": item.id}


def _competition_records(world) -> dict:
    """A draft competition event with a complete marking scheme (技能竞赛); ``move`` "open"
    opens its registration. worker_a (朝阳精工, ``world.users.enterprise``) is its contestant
    and ``world.users.judge`` its judge."""
    from competitions.models import Contestant, JudgeAssignment, JudgeConflict
    from tests.competitions.conftest import event_ids, make_event

    ids = event_ids(make_event())
    contestant = Contestant(event_id=ids.id, worker_id=world.worker_a, enterprise_id=world.ent_a,
                            blind_number="101")
    assignment = JudgeAssignment(event_id=ids.id, user_id=world.users.judge)
    db.session.add_all([contestant, assignment])
    db.session.flush()
    conflict = JudgeConflict(assignment_id=assignment.id, enterprise_id=world.ent_b, reason="亲属", state="pending")
    db.session.add(conflict)
    db.session.flush()
    return {"competition_id": ids.competition, "event_id": ids.id, "module_id": ids.practical,
            "criterion_id": ids.criteria["零件加工"], "aspect_id": ids.aspects["尺寸精度"],
            "contestant_id": contestant.id, "assignment_id": assignment.id, "blind_number": "101",
            "conflict_id": conflict.id}


def _results_records(world) -> dict:
    """A published event (成绩公布) whose result of worker_a (朝阳精工) is appealed."""
    from competitions.models import Event, Result
    from competitions.services import appeals, results
    from tests.competitions import results_data

    data = results_data.build(world)
    results.publish(db.session.get(Event, data.event_id), by=None)
    result = db.session.scalar(sa.select(Result).where(Result.contestant_id == data.contestants["A101"]))
    appeal = appeals.file_appeal(result, "评分有误", by=None)
    return {"result_id": result.id, "appeal_id": appeal.id}


def _review_records(world) -> dict:
    """A cycle in review whose 钳工 panel has ``world.users.expert`` as member and lead, and one
    qualified nomination on it (专家评审). Listed first so others' ``nomination_id`` wins."""
    from core.accounts.models import User
    from craftsmen.services import review
    from tests.craftsmen.conftest import make_cycle, make_nomination

    cycle = make_cycle(status="reviewing", title="评审中的周期")
    fitter = next(o for o in cycle.occupations if o.name == "钳工")
    nomination = make_nomination(cycle, world.worker_a, "钳工")
    panel = review.form_panel(fitter, [world.users.expert], world.users.expert,
                              by=db.session.get(User, world.users.admin))
    return {"occupation_id": fitter.id, "panel_id": panel.id, "subject_id": nomination.id,
            "nomination_id": nomination.id}


def _nomination_records(world, cycle) -> dict:
    """A draft nomination of worker_a (朝阳精工, 朝阳区总工会) with an achievement and an
    attachment row: visible to its enterprise, its reviewer, the nominee and admins."""
    from craftsmen.models import NominationAchievement, NominationAttachment, NominationState
    from tests.craftsmen.conftest import make_nomination

    nomination = make_nomination(cycle, world.worker_a, "钳工", NominationState.DRAFT)
    attachment = NominationAttachment(nomination_id=nomination.id, original_name="证书.pdf",
                                      stored_name="route-guard-sample.pdf",
                                      content_type="application/pdf", size=10, sha256="0" * 64)
    db.session.add(attachment)
    db.session.flush()
    achievement = NominationAchievement(nomination_id=nomination.id, kind="honor",
                                        title="首都劳动奖章", achieved_on=cycle.created_at.date(),
                                        attachment_id=attachment.id)
    db.session.add(achievement)
    db.session.flush()
    return {"nomination_id": nomination.id, "attachment_id": attachment.id,
            "achievement_id": achievement.id}


def _publication_records(world) -> dict:
    """A cycle under notice with an objection, and a registry entry (公示, 名录)."""
    from datetime import date

    from craftsmen.models import CraftsmanTitle, NominationState, Objection, PublicNotice
    from tests.craftsmen.conftest import make_cycle, make_nomination

    cycle = make_cycle(status="notice", title="公示中的周期")
    proposed = make_nomination(cycle, world.worker_b, "钳工", NominationState.PROPOSED)
    named = make_nomination(cycle, world.worker_c, "焊工", NominationState.NAMED)
    notice = PublicNotice(cycle_id=cycle.id, starts_on=date(2026, 1, 1), ends_on=date(2026, 1, 7))
    db.session.add(notice)
    db.session.flush()
    objection = Objection(notice_id=notice.id, nomination_id=proposed.id, name="刘群众",
                          contact="13800138000", facts="申报材料与事实不符，请核实。")
    title = CraftsmanTitle(nomination_id=named.id, worker_id=world.worker_c, cycle_id=cycle.id,
                           name="赵强", title="北京大工匠", level="city", year=2026, occupation="焊工",
                           enterprise_name="海淀软件有限公司", district="海淀区总工会",
                           named_on=date(2026, 1, 10))
    db.session.add_all([objection, title])
    db.session.flush()
    return {"notice_id": notice.id, "objection_id": objection.id, "title_id": title.id}


def _indicator_records() -> dict:
    """The plan's indicators, and a reported value of 职工之家 (规划指标)."""
    from datetime import date
    from decimal import Decimal

    from indicators import services
    from tests.indicators.conftest import indicator

    services.load_plan()
    homes = indicator("worker_homes")
    entry = services.report_value(homes, year=2023, value=Decimal(15200), as_of=date(2023, 12, 31),
                                  source_note="2023年度工会统计年报", by=None)
    return {"indicator_id": homes.id, "indicator_report_id": entry.id}


def _alliance_records(world) -> dict:
    """A studio alliance led by 朝阳精工's studio (``world.users.enterprise``) with 海淀机械's
    studio, and a completed joint project of both whose results 朝阳精工 may still record as an
    achievement (创新工作室联盟)."""
    from datetime import date

    from innovation_studios.alliance_models import (
        Alliance,
        AllianceLeadTerm,
        AllianceMembership,
        JointProject,
        JointProjectStudio,
    )
    from tests.innovation_studios.factories import make_studio

    lead = make_studio(world, enterprise=world.ent_a, named_on=date(2024, 1, 10))
    member = make_studio(world, enterprise=world.ent_b, named_on=date(2024, 1, 10))
    alliance = Alliance(name="路由测试联盟", kind="related", founded_on=date(2024, 3, 1), charter="章程")
    db.session.add(alliance)
    db.session.flush()
    memberships = [AllianceMembership(alliance_id=alliance.id, studio_id=s.id, joined_on=date(2024, 3, 1))
                   for s in (lead, member)]
    db.session.add_all([*memberships, AllianceLeadTerm(alliance_id=alliance.id, studio_id=lead.id,
                                                       starts_on=date(2024, 3, 1))])
    project = JointProject(alliance_id=alliance.id, title="联合攻关", goal="目标", lead_studio_id=lead.id,
                           starts_on=date(2025, 1, 1), due_on=date(2025, 12, 31), status="completed",
                           results="成果")
    db.session.add(project)
    db.session.flush()
    participation = JointProjectStudio(project_id=project.id, studio_id=lead.id)
    db.session.add_all([participation, JointProjectStudio(project_id=project.id, studio_id=member.id)])
    db.session.flush()
    return {"alliance_id": alliance.id, "membership_id": memberships[1].id, "joint_project_id": project.id,
            "participation_id": participation.id}


def _certificate_records(world) -> dict:
    """A certificate of worker_a (朝阳精工, ``world.users.worker``), its serial, status list and
    achievement."""
    from tests.certificates.samples import issue_for

    certificate = issue_for(world.worker_a, "route-guard")
    return {"certificate_id": certificate.id, "serial": certificate.serial, "list_number": 1,
            "achievement_key": certificate.achievement_key}


def _batch_records(world) -> dict:
    """A finished certificate batch (批量颁发): its ZIP is not on disk, so downloading it is 404."""
    from certificates.models_batches import CertificateBatch

    batch = CertificateBatch(source="craftsmen.titles", scope_id="1", scope_label="路由测试周期",
                             source_label="北京大工匠选树周期", state="done", total=0)
    db.session.add(batch)
    db.session.flush()
    return {"batch_id": batch.id, **_job_records(world)}


def _job_records(world) -> dict:
    """A finished background job (a worker import) asked for by the administrator: others see
    404 for it, as for a job that does not exist."""
    from core.jobs.models import BackgroundJob

    job = BackgroundJob(kind="people.import_workers", state="done", total=3, done=3,
                        result={"count": 3, "enterprise_id": world.ent_a},
                        requested_by_id=world.users.admin)
    db.session.add(job)
    db.session.flush()
    return {"job_id": job.id}


def _studio_records(world) -> dict:
    """A named studio of 朝阳精工 (``world.users.enterprise``, 朝阳 reviewer) led by worker_a
    (``world.users.worker``) with a member, and the review batch of its year and level whose
    panel ``world.users.expert`` sits on and leads (创新工作室). Listed last: its ``studio_id``
    is the one the studio pages get."""
    from core.accounts.models import User
    from innovation_studios.services import review
    from tests.innovation_studios.factories import make_studio

    studio = make_studio(world, "named", members=1, name="路由测试创新工作室")
    panel = review.form_panel(studio.applied_year, studio.level_sought, [world.users.expert],
                              world.users.expert, by=db.session.get(User, world.users.admin))
    return {"studio_id": studio.id, "member_id": studio.members[0].id, "studio_panel_id": panel.id,
            "studio_batch_id": panel.scope_id}


def _studio_record_records(world, records: dict) -> dict:
    """The studio's records (成果, 经费, 年度考核): an achievement with an evidence row (its file
    is not on disk: downloading it is 404), a grant with a use, this year's open round with the
    studio's submitted report, and last year's failed report with its open rectification."""
    from datetime import date, timedelta
    from decimal import Decimal

    from core.timeutil import beijing_today
    from innovation_studios.achievement_models import (
        Achievement,
        AchievementEvidence,
        AchievementMember,
        AnnualReport,
        AssessmentRound,
        FundingGrant,
        FundingUse,
        Rectification,
    )
    from innovation_studios.models import Studio

    studio = db.session.get(Studio, records["studio_id"])
    today = beijing_today()
    achievement = Achievement(studio_id=studio.id, kind="innovation", title="路由测试革新", achieved_on=today,
                              economic_benefit=Decimal("1.5"))
    achievement.members = [AchievementMember(worker_id=studio.leader_worker_id)]
    achievement.evidence = [AchievementEvidence(original_name="证明.pdf", stored_name="route-guard-evidence.pdf",
                                                content_type="application/pdf", size=10, sha256="0" * 64)]
    grant = FundingGrant(studio_id=studio.id, year=today.year, amount=Decimal(10), source="补助",
                         used=Decimal(1))
    grant.uses = [FundingUse(used_on=today, amount=Decimal(1), purpose="资料费")]
    current = AssessmentRound(year=today.year, deadline=today + timedelta(days=30))
    last = AssessmentRound(year=today.year - 1, deadline=date(today.year, 1, 31), status="closed")
    db.session.add_all([achievement, grant, current, last])
    db.session.flush()
    report = AnnualReport(round_id=current.id, studio_id=studio.id, state="submitted", summary="总结",
                          next_plan="计划")
    failed = AnnualReport(round_id=last.id, studio_id=studio.id, state="graded", grade="fail", grade_note="问题")
    db.session.add_all([report, failed])
    db.session.flush()
    rectification = Rectification(studio_id=studio.id, report_id=failed.id, started_on=today,
                                  deadline=today + timedelta(days=60), requirements="整改要求")
    db.session.add(rectification)
    db.session.flush()
    return {**records, "studio_achievement_id": achievement.id, "achievement_evidence_id": achievement.evidence[0].id,
            "funding_grant_id": grant.id, "funding_use_id": grant.uses[0].id, "assessment_round_id": current.id,
            "annual_report_id": report.id, "rectification_id": rectification.id}

def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_view_declares_its_access_rule(app):
    assert unguarded_endpoints(app) == []


def test_app_refuses_to_start_with_an_unguarded_route():
    app = Flask(__name__)

    @app.get("/open")
    def open_door():
        return "oops"

    @app.get("/guarded")
    @roles_required(Role.ADMIN)
    def guarded():
        return "ok"

    with pytest.raises(RuntimeError, match="open_door"):
        check_all_routes_guarded(app)


@pytest.mark.parametrize("identity", IDENTITIES)
def test_every_route_answers_each_role_as_its_rule_says(app, world, client, login, identity):
    with app.app_context():
        spare = factories.user("spare", [Role.EXPERT])
        records = _make_records(world)
        db.session.commit()
        spare_id = spare.id
    args = _sample_args(world, spare_id, records)
    app.config["WTF_CSRF_ENABLED"] = False
    failures = []
    try:
        for rule, method in _routes(app):
            url = rule.build({k: args[k] for k in rule.arguments}, append_unknown=False)[1]
            if identity != "anonymous":
                login(getattr(world.users, identity))  # again: an earlier route may be /logout
            access = app.view_functions[rule.endpoint].access_rule
            token_route = getattr(access, "token", False)  # the API: a bearer token, not the cookie
            headers = ({"Authorization": f"Bearer {records['api_bearer'][identity]}"}
                       if token_route and identity != "anonymous" else {})
            response = client.open(url, method=method, headers=headers)
            status = response.status_code
            if status >= 500:
                failures.append(f"{method} {url}: {status}")
            elif access.public:
                if status in (401, 403):
                    failures.append(f"{method} {url} is public but answered {status}")
            elif identity == "anonymous" and token_route:
                if status != 401:
                    failures.append(f"{method} {url} answered {status} without a token, expected 401")
            elif identity == "anonymous":
                if not (status == 302 and "/login" in response.headers["Location"]):
                    failures.append(f"{method} {url} let an anonymous visitor in ({status})")
            elif access.roles is not None and ROLE_OF[identity] not in access.roles:
                if status != 403:
                    failures.append(f"{method} {url} gave {identity} {status}, expected 403")
            elif status in (401, 403) and (rule.endpoint, identity) not in OWNERSHIP_REFUSALS:
                failures.append(f"{method} {url} refused {identity}, who should be allowed")
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert not failures, "\n".join(failures)
