"""The ladder (成长阶梯) of one worker: published competition results → talent pool → title →
studio led → alliance → certificates, each step dated and pointing at its page.

Also: a published competition result as a structured achievement of a nomination (竞赛成绩),
added without re-typing or re-uploading, since the platform itself holds the proof.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from certificates.models import Certificate, CertificateStatus
from competitions.services import results as competition_results
from core.audit import services as audit
from core.extensions import db
from core.review_panels import scoring
from core.timeutil import beijing_today, utc_to_beijing
from craftsmen.models import AchievementKind, CraftsmanTitle, Nomination, NominationAchievement
from craftsmen.states import TALENT_POOL_STATE_VALUES
from innovation_studios.studios import craftsman_studios

RESULT_MARK = "竞赛成绩已在平台公布"


@dataclass
class Step:
    kind: str                 # results / pool / title / studio / alliance / certificate
    label: str
    on: date | None
    endpoint: str | None = None
    args: dict = field(default_factory=dict)
    note: str = ""

    @property
    def kind_label(self):
        return STEP_LABELS[self.kind]


STEP_LABELS = {"results": _l("竞赛成绩"), "pool": _l("入选人才库"), "title": _l("获得称号"),
               "studio": _l("领办工作室"), "alliance": _l("加入联盟"), "certificate": _l("证书")}


def _result_text(result) -> str:
    event = result.contestant.event
    award = f"，{result.award_enum.label}" if result.award else ""
    return (f"{event.competition.title}·{event.occupation} 第 {result.rank} 名"
            f"（{scoring.display(result.total)} 分{award}）")


def _result_day(result) -> date:
    event = result.contestant.event
    published = utc_to_beijing(event.published_at).date() if event.published_at else event.held_on
    return min(event.held_on, published)


def result_steps(worker_id: int) -> list[Step]:
    return [Step("results", _result_text(r), _result_day(r), "competitions_results.public_results",
                 {"event_id": r.event_id}) for r in competition_results.worker_results(worker_id)]


def ladder(worker_id: int, *, public: bool = False) -> list[Step]:
    """Every step of the worker's ladder, rung by rung, oldest first on each. ``public``: only what the public pages
    show (published results, titles, named studios and alliances, valid certificates)."""
    steps = result_steps(worker_id)
    for nomination in db.session.scalars(select(Nomination).where(
            Nomination.worker_id == worker_id,
            Nomination.state.in_(TALENT_POOL_STATE_VALUES))
            .options(joinedload(Nomination.cycle), joinedload(Nomination.occupation))
            .order_by(Nomination.id)):
        day = nomination.qualified_at.date() if nomination.qualified_at else None
        steps.append(Step("pool", f"{nomination.cycle.title}·{nomination.occupation.name}", day,
                          None if public else "craftsmen_nomination.detail", {} if public else
                          {"nomination_id": nomination.id}, note=nomination.statement if not public else ""))
    for title in db.session.scalars(select(CraftsmanTitle).where(CraftsmanTitle.worker_id == worker_id)
                                    .order_by(CraftsmanTitle.named_on)):
        steps.append(Step("title", f"{title.year}年{title.title}（{title.occupation}）", title.named_on,
                          "craftsmen_public.title_detail", {"title_id": title.id},
                          note=str(_l("已撤销")) if title.is_revoked else title.selection_basis))
    for led in craftsman_studios.studios_led(worker_id):
        studio = led.studio
        steps.append(Step("studio", f"{studio.name}（{studio.number}）", studio.named_on,
                          "studio_public.studio", {"studio_id": studio.id}))
        for membership in led.alliances:
            steps.append(Step("alliance", membership.alliance.name, membership.joined_on, None, {},
                              note=str(_l("已退出")) if membership.left_on else ""))
    query = select(Certificate).where(Certificate.worker_id == worker_id).order_by(Certificate.issued_on)
    if public:
        query = query.where(Certificate.status == CertificateStatus.VALID.value)
    for certificate in db.session.scalars(query):
        steps.append(Step("certificate", f"{certificate.holder_name} · {certificate.serial}", certificate.issued_on,
                          "certificates_verify.certificate", {"serial": certificate.serial},
                          note="" if certificate.status == CertificateStatus.VALID.value else certificate.status))
    order = list(STEP_LABELS)  # the ladder's rungs in order; dated within each rung
    return sorted(steps, key=lambda s: (order.index(s.kind), s.on or date.max))


def add_result_achievements(nomination: Nomination, *, by) -> list[NominationAchievement]:
    """Every published competition result of the nominee not yet on the nomination, as a
    竞赛成绩 achievement (no file needed: the platform published it)."""
    have = {(a.title, a.achieved_on) for a in nomination.achievements}
    added = []
    today = beijing_today()
    for result in competition_results.worker_results(nomination.worker_id):
        title, day = _result_text(result)[:200], min(_result_day(result), today)
        if (title, day) in have:
            continue
        achievement = NominationAchievement(kind=AchievementKind.COMPETITION.value, title=title, achieved_on=day,
                                            description=RESULT_MARK, publishable=True)
        nomination.achievements.append(achievement)
        added.append(achievement)
    if added:
        db.session.flush()
        audit.record("nomination.achievements_from_results", nomination, by=by,
                     changes={"achievements": [None, [a.title for a in added]]})
    return added


def studio_offers(cycle) -> list[tuple[CraftsmanTitle, object]]:
    """A closed city-level cycle's standing titles, each with the studio its holder already
    leads (None: a 工匠创新工作室 is still to be offered)."""
    if cycle.level != "city":
        return []
    titles = db.session.scalars(select(CraftsmanTitle).where(
        CraftsmanTitle.cycle_id == cycle.id, CraftsmanTitle.revoked_on.is_(None))
        .order_by(CraftsmanTitle.occupation, CraftsmanTitle.id)).all()
    return [(t, craftsman_studios.studio_led_since(t.worker_id)) for t in titles]
