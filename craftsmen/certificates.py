"""Craftsman titles as certificates (工匠称号证书).

Naming a cycle issues each named craftsman's certificate (:func:`issue_for_titles`, called by
:func:`craftsmen.services.naming.name_cycle`); revoking a title revokes its certificate. A
cycle is also a scope of batch issuing (:class:`TitleSource`, registered as
``craftsmen.titles``), which issues what is missing, e.g. for titles named before certificates
existed, and packs every PDF of the cycle into one ZIP.

Everything here does nothing when the ``certificates`` feature is not enabled.
"""

from __future__ import annotations

import re

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from craftsmen.models import CraftsmanLevel, CraftsmanTitle, Nomination, SelectionCycle

SOURCE = "craftsmen.titles"


def enabled() -> bool:
    return has_app_context() and "certificates" in current_app.config.get("FEATURES", ())


def source_key(title: CraftsmanTitle) -> str:
    return f"craftsmen.title:{title.id}"


def _issuer(cycle: SelectionCycle) -> str | None:
    """The federation names Beijing Grand Craftsmen (the configured default issuer); a district
    or industry union names its own craftsmen."""
    if cycle.level != CraftsmanLevel.CITY and cycle.organizer_union is not None:
        return cycle.organizer_union.name
    return None


#: A district or industry cycle's title is read from its name ("2026年朝阳工匠选树" confers 朝阳工匠).
_CYCLE_TITLE = re.compile(r"^(?:\d{4}年度?|第[一二三四五六七八九十\d]+届)*(?P<title>.+?工匠)(?:选树|评选|命名).*$")


def conferred_title(cycle: SelectionCycle) -> str:
    """The title a cycle confers, as printed on its certificates: 北京大工匠 for the city; for a
    district or industry cycle the union's own title (朝阳工匠, 机械冶金建材工匠), from the cycle's
    name or else the organizing union's."""
    if cycle.level == CraftsmanLevel.CITY:
        return "北京大工匠"
    match = _CYCLE_TITLE.match(cycle.title or "")
    if match and match.group("title") not in ("工匠", "区级工匠", "产业工匠", "北京大工匠"):
        return match.group("title")
    union = cycle.organizer_union.name if cycle.organizer_union is not None else ""
    place = re.sub(r"^北京市", "", union)
    place = re.sub(r"(区总工会|总工会|工会|委员会)$", "", place)
    return f"{place}工匠" if place else "工匠"


def issue_request(title: CraftsmanTitle):
    """The certificate of ``title``, from the registry entry's snapshot."""
    from certificates.models import CertificateKind, HolderType
    from certificates.services.issuing import IssueRequest

    cycle = title.cycle
    details = {"选树周期": cycle.title, "工种": title.occupation, "工作单位": title.enterprise_name}
    if title.district:
        details["所属地区"] = title.district
    return IssueRequest(
        kind=CertificateKind.CRAFTSMAN_TITLE, source_key=source_key(title),
        holder_type=HolderType.WORKER, holder_id=title.worker_id, holder_name=title.name,
        honour=conferred_title(cycle), details=details, issuer=_issuer(cycle), issued_on=title.named_on,
        worker_id=title.worker_id, enterprise_id=title.nomination.enterprise_id,
        series="" if cycle.level == CraftsmanLevel.CITY else str(cycle.level))


def issue_for_titles(titles: list[CraftsmanTitle], *, by):
    """Issue the certificates of newly named ``titles`` (None when certificates are off).

    A title whose certificate cannot be issued now is left for batch issuing, which says why;
    the naming itself stands.
    """
    if not enabled() or not titles:
        return None
    from certificates import sources

    return sources.issue_now([issue_request(title) for title in titles], by=by)


def revoke_for_title(title: CraftsmanTitle, reason: str, *, by) -> None:
    """Revoke the valid certificate of a revoked title, with the same reason."""
    if not enabled():
        return
    from certificates.models import RevocationCategory
    from certificates.services import issuing

    certificate = issuing.live_certificate(source_key(title))
    if certificate is not None:
        issuing.revoke(certificate, reason, by=by, category=RevocationCategory.HONOUR_REVOKED)


class TitleSource:
    """Batch issuing by selection cycle: every title of the cycle not revoked."""

    label = _l("北京大工匠选树周期")

    def scopes(self) -> list[tuple[str, str]]:
        from core.extensions import db

        cycles = db.session.execute(
            select(SelectionCycle.id, SelectionCycle.title)
            .where(exists().where(CraftsmanTitle.cycle_id == SelectionCycle.id))
            .order_by(SelectionCycle.year.desc(), SelectionCycle.id.desc())).all()
        return [(str(cycle_id), title) for cycle_id, title in cycles]

    def requests(self, scope_id: str) -> list:
        from core.extensions import db

        if not (str(scope_id).isdigit() and len(str(scope_id)) < 10):
            return []
        titles = db.session.scalars(
            select(CraftsmanTitle)
            .where(CraftsmanTitle.cycle_id == int(scope_id), CraftsmanTitle.revoked_on.is_(None))
            .options(joinedload(CraftsmanTitle.cycle).joinedload(SelectionCycle.organizer_union),
                     joinedload(CraftsmanTitle.nomination).load_only(Nomination.enterprise_id))
            .order_by(CraftsmanTitle.occupation, CraftsmanTitle.id)).all()
        return [issue_request(title) for title in titles]


def register() -> None:
    """Make cycles a scope of batch issuing (called by the feature's ``init_app``)."""
    from certificates import sources

    sources.register(SOURCE, TitleSource())
