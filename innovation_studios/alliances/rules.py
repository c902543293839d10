"""Who may do what with studio alliances: plain ``can_*`` functions.

* **Administrators** (市总工会) found and manage alliances: edit them, admit members, record
  leaving, rotate the lead, dissolve; they record and edit every alliance's joint projects.
* The **enterprise whose studio is the current lead** (盟主所在企业工会) coordinates the
  alliance's work: it records the alliance's joint projects and keeps them up to date
  (status, results). It does not change members or the lead: that is the federation's call.
  When the lead rotates, the new lead's enterprise takes over the project records.
* **Enterprises whose studios are or were members** see their alliances in full (dates,
  charter, every project); former members keep seeing the history they took part in.
* When a joint project is **completed**, each participating studio's enterprise may record the
  project's results as an achievement of its own studio (through the achievements service,
  which keeps the studio's records the enterprise's own; administrators do not record
  achievements for enterprises).
* Everyone sees the **public directory**: name, type, lead, members and project titles; no
  personal data (no leaders', members' or contacts' names).
"""

from __future__ import annotations

from core.roles import Role
from innovation_studios.alliances.models import ProjectStatus


def can_manage_alliances(user) -> bool:
    """Found, edit, admit and release members, rotate the lead, dissolve, export."""
    return user.has_role(Role.ADMIN)


def is_lead_enterprise(user, alliance) -> bool:
    """The user is the enterprise union of the current lead studio."""
    lead = alliance.lead_studio
    return (lead is not None and user.has_role(Role.ENTERPRISE) and bool(user.enterprise_id)
            and user.enterprise_id == lead.enterprise_id)


def can_see_alliance(user, alliance, *, took_part: bool) -> bool:
    """The full alliance page: administrators, and enterprises one of whose studios is or was a
    member (``took_part``, decided by the caller from the memberships)."""
    return user.has_role(Role.ADMIN) or (user.has_role(Role.ENTERPRISE) and bool(user.enterprise_id)
                                         and took_part)


def can_record_projects(user, alliance) -> bool:
    """Record and edit the alliance's joint projects: administrators and the lead's enterprise."""
    return user.has_role(Role.ADMIN) or is_lead_enterprise(user, alliance)


def can_record_achievement(user, participant) -> bool:
    """Record a completed project's results as an achievement of the participating studio:
    that studio's enterprise, once, while the studio may still record achievements."""
    from innovation_studios.achievements import rules as record_rules

    return (participant.project.status == ProjectStatus.COMPLETED and participant.achievement_id is None
            and record_rules.can_edit_achievements(user, participant.studio))
