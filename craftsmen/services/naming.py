"""Naming (命名) after the public notice, and revoking a title later.

Naming turns every nominee still on the proposed list into a named craftsman and writes the
registry entry (:class:`CraftsmanTitle`): a snapshot of name, title, occupation, enterprise and
district as they were on the day, which later edits of the worker or enterprise never change.
"""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.i18n import chinese_date
from core.organizations.models import Enterprise
from core.timeutil import beijing_today
from craftsmen import certificates as craftsman_certificates
from craftsmen.models import (
    CraftsmanTitle,
    CycleStatus,
    Nomination,
    NominationState,
    SelectionCycle,
)
from craftsmen.services.notice import notice_of, open_objection_count
from craftsmen.services.transitions import move_cycle, move_nomination

REASON_MAX = 2000


def naming_blockers(cycle: SelectionCycle, today: date | None = None) -> list[str]:
    """Why ``cycle`` cannot be named today; empty when it can."""
    today = today or beijing_today()
    if cycle.status != CycleStatus.NOTICE:
        return [str(_l("只有“公示中”的周期才能命名，当前为“%(s)s”", s=cycle.status_enum.label))]
    notice = notice_of(cycle)
    if notice is None:
        return [str(_l("尚未发布公示"))]
    blockers = []
    if today <= notice.ends_on:
        blockers.append(str(_l("公示期至 %(d)s 结束，期满后才能命名", d=chinese_date(notice.ends_on))))
    waiting = open_objection_count(notice)
    if waiting:
        blockers.append(str(_l("还有 %(n)s 条异议未处理，全部处理后才能命名", n=waiting)))
    return blockers


def _title_text(level) -> str:
    """The title as printed in the registry, always in Chinese (a snapshot, not UI text)."""
    with force_locale("zh"):
        return str(level.label)


def name_cycle(cycle: SelectionCycle, *, by, today: date | None = None) -> list[CraftsmanTitle]:
    """Name every nominee still proposed, write their registry entries and close the cycle."""
    today = today or beijing_today()
    blockers = naming_blockers(cycle, today)
    if blockers:
        raise DomainError(str(_l("不能命名：")) + "；".join(blockers))
    nominations = db.session.scalars(
        select(Nomination)
        .where(Nomination.cycle_id == cycle.id, Nomination.state == NominationState.PROPOSED.value)
        .options(joinedload(Nomination.worker),
                 joinedload(Nomination.occupation),
                 joinedload(Nomination.enterprise).joinedload(Enterprise.district_union))
        .order_by(Nomination.occupation_id, Nomination.rank, Nomination.id)).all()
    if not nominations:
        raise DomainError(_l("公示名单中已没有拟命名人选。如需调整名单，请退回评审。"))

    title_text = _title_text(cycle.level_enum)
    titles = []
    for nomination in nominations:
        move_nomination(nomination, NominationState.NAMED, by=by)
        enterprise = nomination.enterprise
        titles.append(CraftsmanTitle(
            nomination_id=nomination.id, worker_id=nomination.worker_id, cycle_id=cycle.id,
            name=nomination.worker.name, title=title_text, level=cycle.level, year=cycle.year,
            occupation=nomination.occupation.name, enterprise_name=enterprise.name,
            district=enterprise.district_union.name if enterprise.district_union else "",
            named_on=today, selection_basis=nomination.selection_basis))
    db.session.add_all(titles)
    move_cycle(cycle, CycleStatus.CLOSED, by=by)
    db.session.flush()
    audit.record("cycle.name", cycle, by=by,
                 changes={"named": [0, len(titles)], "named_on": [None, today.isoformat()]})
    craftsman_certificates.issue_for_titles(titles, by=by)
    return titles


def revoke_title(title: CraftsmanTitle, reason: str, *, by, today: date | None = None) -> None:
    """Revoke a title with a reason; the registry keeps the entry, marked revoked with the date."""
    if title.is_revoked:
        raise DomainError(_l("该称号已于 %(d)s 撤销", d=chinese_date(title.revoked_on)))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("请写明撤销称号的理由"), field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(_l("撤销理由不能超过 %(n)s 个字符", n=REASON_MAX), field="reason")
    today = today or beijing_today()
    move_nomination(title.nomination, NominationState.REVOKED, by=by, note=reason)
    title.revoked_on = today
    title.revoke_reason = reason
    db.session.flush()
    craftsman_certificates.revoke_for_title(title, reason, by=by)
    audit.record("title.revoke", title, by=by, label=f"{title.name} · {title.title}",
                 changes={"revoked_on": [None, today.isoformat()], "reason": [None, reason[:500]]})
