"""Studio naming and alliance membership as certificates (工作室命名证书, 联盟成员证书).

* Naming a studio issues its naming certificate; delisting it (by the administrator or after a
  failed rectification) revokes the certificate with the delisting reason. Both go through
  :func:`innovation_studios.studios.transitions.move_studio` (:func:`after_move`).
* A studio joining an alliance (at the founding or later) gets a membership certificate;
  leaving the alliance, or its dissolution, revokes it.
* Batch issuing: a naming round, i.e. the studios named in one year at one level
  (:class:`NamingSource`, ``innovation_studios.naming``), and an alliance's current members
  (:class:`AllianceSource`, ``innovation_studios.alliances``).

The certificates belong to the studio: its host enterprise downloads them (no worker does;
leaders change). Everything here does nothing when the ``certificates`` feature is not enabled.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, has_app_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import extract, select
from sqlalchemy.orm import joinedload

from core.extensions import db
from core.organizations.models import Enterprise
from innovation_studios.alliances.models import Alliance, AllianceMembership
from innovation_studios.studios.models import Studio, StudioLevel, StudioState
from innovation_studios.studios.states import NAMED_STATES

NAMING_SOURCE = "innovation_studios.naming"
ALLIANCE_SOURCE = "innovation_studios.alliances"


def enabled() -> bool:
    return has_app_context() and "certificates" in current_app.config.get("FEATURES", ())


def _zh(label) -> str:
    with force_locale("zh"):
        return str(label)


# --- Studio naming -----------------------------------------------------------------------------

def naming_key(studio: Studio) -> str:
    return f"innovation_studios.studio:{studio.id}"


def _naming_issuer(studio: Studio) -> str | None:
    """City-level studios are named by the federation (the default issuer); a district-level
    one by its district union."""
    if studio.level == StudioLevel.DISTRICT and studio.enterprise.district_union is not None:
        return studio.enterprise.district_union.name
    return None


def naming_request(studio: Studio):
    """The naming certificate of a named ``studio``."""
    from certificates.models import CertificateKind, HolderType
    from certificates.services.issuing import IssueRequest

    honour = _zh((studio.level_enum or studio.level_sought_enum).label) + _zh(studio.kind_enum.label)
    details = {"工作室编号": studio.number or "", "依托单位": studio.enterprise.name,
               "领办人": studio.leader.name if studio.leader else "", "专业领域": studio.field}
    return IssueRequest(
        kind=CertificateKind.STUDIO_NAMING, source_key=naming_key(studio), holder_type=HolderType.STUDIO,
        holder_id=studio.id, holder_name=studio.name, honour=honour,
        details={k: v for k, v in details.items() if v}, issuer=_naming_issuer(studio),
        issued_on=studio.named_on, enterprise_id=studio.enterprise_id)


def _revoke(source_key: str, reason: str, category: str, *, by) -> None:
    from certificates.services import issuing

    certificate = issuing.live_certificate(source_key)
    if certificate is not None:
        issuing.revoke(certificate, reason, by=by, category=category)


def after_move(studio: Studio, action: str, *, by, note: str | None = None) -> None:
    """Called by ``move_studio`` after every state change of a studio."""
    if not enabled():
        return
    from certificates import sources

    if action == "name":
        sources.issue_now([naming_request(studio)], by=by)
    elif studio.state == StudioState.DELISTED:
        reason = studio.delist_reason or note or ""
        _revoke(naming_key(studio), _zh(_l("工作室已摘牌：%(r)s", r=reason)) if reason
                else _zh(_l("工作室已摘牌")), "studio_delisted", by=by)


# --- Alliance membership -----------------------------------------------------------------------

def membership_key(membership: AllianceMembership) -> str:
    return f"innovation_studios.alliance_member:{membership.id}"


def membership_request(membership: AllianceMembership):
    """The membership certificate of a studio in an alliance."""
    from certificates.models import CertificateKind, HolderType
    from certificates.services.issuing import IssueRequest

    studio, alliance = membership.studio, membership.alliance
    details = {"联盟类型": _zh(alliance.kind_enum.label), "工作室编号": studio.number or "",
               "依托单位": studio.enterprise.name}
    return IssueRequest(
        kind=CertificateKind.ALLIANCE_MEMBERSHIP, source_key=membership_key(membership),
        holder_type=HolderType.STUDIO, holder_id=studio.id, holder_name=studio.name,
        honour=alliance.name, details={k: v for k, v in details.items() if v},
        issued_on=membership.joined_on, enterprise_id=studio.enterprise_id)


def issue_for_memberships(memberships: Iterable[AllianceMembership], *, by):
    """Issue the membership certificates of studios that just joined (None when off)."""
    if not enabled():
        return None
    from certificates import sources

    return sources.issue_now([membership_request(m) for m in memberships], by=by)


def _cn_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def revoke_for_membership(membership: AllianceMembership, *, by) -> None:
    """Revoke the certificate of a membership that ended (left, or the alliance dissolved)."""
    if not enabled() or membership.left_on is None:
        return
    alliance = membership.alliance
    if alliance.dissolved_on is not None:
        reason = _zh(_l("联盟已于%(d)s解散", d=_cn_date(alliance.dissolved_on)))
    else:
        reason = _zh(_l("已于%(d)s退出联盟", d=_cn_date(membership.left_on)))
        if membership.leave_reason:
            reason += "：" + membership.leave_reason
    _revoke(membership_key(membership), reason, "membership_ended", by=by)


# --- Batch sources -----------------------------------------------------------------------------

class NamingSource:
    """Batch issuing by naming round: the studios named in one year at one level and still
    named (not delisted)."""

    label = _l("创新工作室命名批次")

    def scopes(self) -> list[tuple[str, str]]:
        year = extract("year", Studio.named_on)
        rows = db.session.execute(
            select(year, Studio.level).where(Studio.state.in_([s.value for s in NAMED_STATES]),
                                             Studio.named_on.is_not(None), Studio.level.is_not(None))
            .group_by(year, Studio.level)).all()
        order = {level.value: n for n, level in enumerate(StudioLevel)}
        rows = sorted(((int(y), level) for y, level in rows), key=lambda r: (-r[0], order.get(r[1], 9)))
        return [(f"{y}-{level}", str(_l("%(y)s年度%(level)s创新工作室命名", y=y,
                                         level=StudioLevel(level).label)))
                for y, level in rows]

    def requests(self, scope_id: str) -> list:
        year, _, level = str(scope_id).partition("-")
        if not (year.isdigit() and len(year) == 4) or level not in {lv.value for lv in StudioLevel}:
            return []
        studios = db.session.scalars(
            select(Studio).where(Studio.state.in_([s.value for s in NAMED_STATES]), Studio.level == level,
                                 extract("year", Studio.named_on) == int(year))
            .options(joinedload(Studio.enterprise).joinedload(Enterprise.district_union),
                     joinedload(Studio.leader))
            .order_by(Studio.number, Studio.id)).all()
        return [naming_request(studio) for studio in studios]


class AllianceSource:
    """Batch issuing by alliance: the current member studios of an alliance not dissolved."""

    label = _l("创新工作室联盟")

    def scopes(self) -> list[tuple[str, str]]:
        rows = db.session.execute(select(Alliance.id, Alliance.name).where(Alliance.dissolved_on.is_(None))
                                  .order_by(Alliance.founded_on.desc(), Alliance.id.desc())).all()
        return [(str(alliance_id), name) for alliance_id, name in rows]

    def requests(self, scope_id: str) -> list:
        if not (str(scope_id).isdigit() and len(str(scope_id)) < 10):
            return []
        alliance = db.session.get(Alliance, int(scope_id))
        if alliance is None or alliance.is_dissolved:
            return []
        return [membership_request(m) for m in sorted(alliance.current_memberships, key=lambda m: m.id)]


def register() -> None:
    """Make naming rounds and alliances scopes of batch issuing (called by ``init_app``)."""
    from certificates import sources

    sources.register(NAMING_SOURCE, NamingSource())
    sources.register(ALLIANCE_SOURCE, AllianceSource())
