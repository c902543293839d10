"""Competition awards as certificates (竞赛获奖证书).

Publishing an event's results issues a certificate to every award winner
(:func:`sync_awards`, called by :func:`competitions.services.results.publish`). An upheld
appeal recomputes the results; the certificates follow: a new winner gets one, a changed award
replaces the old certificate (linked to it), a lost award revokes it. A published event is
also a scope of batch issuing (:class:`AwardSource`, registered as ``competitions.awards``).

Certificates are keyed by contestant (one per worker and event), so recomputing never issues
a second one. Everything here does nothing when the ``certificates`` feature is not enabled.
"""

from __future__ import annotations

from flask import current_app, has_app_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from competitions.models import Award, Competition, Contestant, Event, EventState, Result
from core.extensions import db
from core.timeutil import utc_to_beijing

SOURCE = "competitions.awards"
AWARD_DETAIL = "奖项"  # certificates.services.issuing.AWARD_DETAIL: the sentence names this award
#: Reasons printed on the verification page of a certificate changed by an appeal ruling.
REPLACED_REASON = "仲裁裁决后成绩重新计算，奖项变更"
REVOKED_REASON = "仲裁裁决后成绩重新计算，不再获奖"


def enabled() -> bool:
    return has_app_context() and "certificates" in current_app.config.get("FEATURES", ())


def source_key(contestant_id: int) -> str:
    return f"competitions.award:{contestant_id}"


def _award_text(award: Award) -> str:
    with force_locale("zh"):
        return str(award.label)


def issue_request(event: Event, result: Result):
    """The award certificate of ``result`` (which has an award)."""
    from certificates.models import CertificateKind, HolderType
    from certificates.services.issuing import IssueRequest

    contestant = result.contestant
    competition = event.competition
    published = utc_to_beijing(event.published_at).date() if event.published_at else None
    return IssueRequest(
        kind=CertificateKind.COMPETITION_AWARD, source_key=source_key(contestant.id),
        holder_type=HolderType.WORKER, holder_id=contestant.worker_id,
        holder_name=contestant.worker.name, honour=f"{competition.title}{event.occupation}项目",
        details={AWARD_DETAIL: _award_text(result.award_enum), "赛项": event.occupation,
                 "工作单位": contestant.enterprise.name},
        issuer=competition.organizer or None, issued_on=published,
        worker_id=contestant.worker_id, enterprise_id=contestant.enterprise_id)


def _awarded(event: Event) -> list[Result]:
    return list(db.session.scalars(
        select(Result).where(Result.event_id == event.id, Result.award.is_not(None))
        .options(joinedload(Result.contestant).joinedload(Contestant.worker),
                 joinedload(Result.contestant).joinedload(Contestant.enterprise))
        .order_by(Result.rank, Result.contestant_id)))


def _award_of(certificate) -> str:
    return dict(certificate.snapshot.get("details") or []).get(AWARD_DETAIL, "")


def sync_awards(event: Event, *, by):
    """Bring the event's award certificates in line with its published results.

    Issues the missing ones, replaces those whose award changed and revokes those of
    contestants no longer awarded. Returns what was issued (None when certificates are off).
    """
    if not enabled() or event.state != EventState.PUBLISHED:
        return None
    from certificates import sources
    from certificates.models import Certificate
    from certificates.services import issuing

    wanted = {source_key(r.contestant_id): issue_request(event, r) for r in _awarded(event)}
    contestant_ids = db.session.scalars(select(Contestant.id).where(Contestant.event_id == event.id))
    live = {c.source_key: c for c in db.session.scalars(select(Certificate).where(
        Certificate.live_key.in_([source_key(cid) for cid in contestant_ids])))}
    missing = []
    for key, request in wanted.items():
        certificate = live.get(key)
        if certificate is None:
            missing.append(request)
        elif _award_of(certificate) != request.details[AWARD_DETAIL]:
            issuing.replace(certificate, request, REPLACED_REASON, by=by)
    for key, certificate in live.items():
        if key not in wanted:
            issuing.revoke(certificate, REVOKED_REASON, by=by, category="result_changed")
    return sources.issue_now(missing, by=by)


class AwardSource:
    """Batch issuing by event: every award winner of a published event."""

    label = _l("职业技能竞赛赛项")

    def scopes(self) -> list[tuple[str, str]]:
        rows = db.session.execute(
            select(Event.id, Competition.title, Event.occupation)
            .join(Competition, Competition.id == Event.competition_id)
            .where(Event.state == EventState.PUBLISHED.value)
            .order_by(Event.published_at.desc(), Event.id.desc())).all()
        return [(str(event_id), f"{title} · {occupation}") for event_id, title, occupation in rows]

    def requests(self, scope_id: str) -> list:
        if not (str(scope_id).isdigit() and len(str(scope_id)) < 10):
            return []
        event = db.session.get(Event, int(scope_id))
        if event is None or event.state != EventState.PUBLISHED:
            return []
        return [issue_request(event, result) for result in _awarded(event)]


def register() -> None:
    """Make published events a scope of batch issuing (called by the feature's ``init_app``)."""
    from certificates import sources

    sources.register(SOURCE, AwardSource())
