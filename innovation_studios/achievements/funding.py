"""Funding of named studios: grants by year (e.g. 10万元 a year for three years) recorded by the
administrator, and their use (date, amount, purpose) recorded by the enterprise. A grant's uses
never add up to more than the grant.

Services validate, change, audit and flush; the views commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.roles import Role
from core.timeutil import beijing_today
from innovation_studios.achievements import rules as record_rules
from innovation_studios.achievements.amounts import InvalidAmount, format_wan, parse_amount
from innovation_studios.achievements.models import FundingGrant, FundingUse
from innovation_studios.studios.models import Studio
from innovation_studios.studios.states import NAMED_STATES

SOURCE_MAX = 100
PURPOSE_MAX = 200
NOTE_MAX = 1000
MAX_YEARS = 5
FIRST_YEAR = 2000


@dataclass
class GrantData:
    """A grant, or a series of equal yearly grants from ``year`` on (``years`` of them)."""

    year: int | None
    amount: str | Decimal | None
    source: str
    years: int = 1
    note: str = ""


def _amount(value, field: str, label) -> Decimal:
    try:
        amount = parse_amount(value, label=label, positive=True)
    except InvalidAmount as error:
        raise DomainError(str(error), field=field) from None
    if amount is None:
        raise DomainError(_l("请填写%(label)s", label=label), field=field)
    return amount


def add_grants(studio: Studio, data: GrantData, *, by) -> list[FundingGrant]:
    """Record a grant per year: ``years`` grants of ``amount`` from ``year`` on."""
    if by is not None and not record_rules.can_grant_funding(by, studio):
        raise DomainError(_l("只有已命名的工作室可以登记经费"))
    if studio.state_enum not in NAMED_STATES:
        raise DomainError(_l("只有已命名的工作室可以登记经费"))
    this_year = beijing_today().year
    if data.year is None or not FIRST_YEAR <= data.year <= this_year + 1:
        raise DomainError(_l("拨付年度应在 %(a)s 年至 %(b)s 年之间", a=FIRST_YEAR, b=this_year + 1), field="year")
    if studio.named_on is not None and data.year < studio.named_on.year:
        raise DomainError(_l("首个拨付年度不能早于工作室命名年度（%(y)s 年）", y=studio.named_on.year), field="year")
    if not 1 <= (data.years or 0) <= MAX_YEARS:
        raise DomainError(_l("连续拨付年数应为 1 至 %(n)s 年", n=MAX_YEARS), field="years")
    amount = _amount(data.amount, "amount", _l("每年金额"))
    source = (data.source or "").strip()
    if not source:
        raise DomainError(_l("请填写经费来源"), field="source")
    if len(source) > SOURCE_MAX:
        raise DomainError(_l("经费来源不能超过 %(n)s 个字", n=SOURCE_MAX), field="source")
    note = (data.note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(_l("备注不能超过 %(n)s 个字", n=NOTE_MAX), field="note")
    years = list(range(data.year, data.year + data.years))
    taken = db.session.scalars(select(FundingGrant.year).where(
        FundingGrant.studio_id == studio.id, FundingGrant.source == source,
        FundingGrant.year.in_(years))).all()
    if taken:
        raise DomainError(_l("本工作室 %(years)s 年已登记过来源为“%(source)s”的经费，请勿重复登记",
                             years="、".join(str(y) for y in sorted(taken)), source=source), field="year")
    grants = []
    for year in years:
        grant = FundingGrant(studio_id=studio.id, year=year, amount=amount, source=source, note=note,
                             used=Decimal(0), created_by_id=getattr(by, "id", None))
        db.session.add(grant)
        grants.append(grant)
    db.session.flush()
    for grant in grants:
        audit.record("studio_funding.grant", studio, by=by, changes={
            "grant": [None, f"{grant.year} {source} {format_wan(amount)}万元"]})
    return grants


def delete_grant(grant: FundingGrant, *, by) -> None:
    """Remove a grant recorded by mistake; one that has been used cannot be removed."""
    if by is not None and not by.has_role(Role.ADMIN):
        raise DomainError(_l("只有管理员可以删除经费记录"))
    if grant.uses:
        raise DomainError(_l("该笔经费已有使用记录，不能删除"))
    audit.record("studio_funding.grant_delete", grant.studio, by=by, changes={
        "grant": [f"{grant.year} {grant.source} {format_wan(grant.amount)}万元", None]})
    db.session.delete(grant)
    db.session.flush()


def add_use(grant: FundingGrant, *, used_on: date | None, amount, purpose: str, by) -> FundingUse:
    """Record money spent out of ``grant``; the uses may not exceed the grant.

    The grant's running total changes with every use, so of two uses saved at once the second
    finds the grant changed (optimistic locking) and is refused rather than overspending.
    """
    studio = grant.studio
    if by is not None and not record_rules.can_record_funding_use(by, studio):
        raise DomainError(_l("工作室当前为“%(state)s”，不能登记经费使用", state=studio.state_enum.label))
    if used_on is None:
        raise DomainError(_l("请填写使用日期"), field="used_on")
    if used_on > beijing_today():
        raise DomainError(_l("使用日期不能晚于今天"), field="used_on")
    if used_on.year < grant.year:
        raise DomainError(_l("使用日期不能早于该笔经费的拨付年度（%(year)s年）", year=grant.year),
                          field="used_on")
    value = _amount(amount, "amount", _l("使用金额"))
    purpose = (purpose or "").strip()
    if not purpose:
        raise DomainError(_l("请填写经费用途"), field="purpose")
    if len(purpose) > PURPOSE_MAX:
        raise DomainError(_l("用途不能超过 %(n)s 个字", n=PURPOSE_MAX), field="purpose")
    if grant.used + value > grant.amount:
        raise DomainError(
            _l("使用金额超出该笔经费的余额：%(year)s年“%(source)s”拨付 %(granted)s 万元，已使用 %(used)s 万元，"
               "余额 %(left)s 万元，本次填写 %(amount)s 万元",
               year=grant.year, source=grant.source, granted=format_wan(grant.amount),
               used=format_wan(grant.used), left=format_wan(grant.remaining), amount=format_wan(value)),
            field="amount")
    use = FundingUse(used_on=used_on, amount=value, purpose=purpose, created_by_id=getattr(by, "id", None))
    grant.uses.append(use)
    grant.used = grant.used + value
    db.session.flush()
    audit.record("studio_funding.use", studio, by=by, changes={
        "use": [None, f"{used_on.isoformat()} {format_wan(value)}万元 {purpose}"],
        "grant": [None, f"{grant.year} {grant.source}"]})
    return use


def delete_use(use: FundingUse, *, by) -> None:
    grant = use.grant
    if by is not None and not record_rules.can_record_funding_use(by, grant.studio):
        raise DomainError(_l("工作室当前为“%(state)s”，不能修改经费使用",
                             state=grant.studio.state_enum.label))
    grant.uses.remove(use)
    grant.used = grant.used - use.amount
    db.session.flush()
    audit.record("studio_funding.use_delete", grant.studio, by=by, changes={
        "use": [f"{use.used_on.isoformat()} {format_wan(use.amount)}万元 {use.purpose}", None]})


# Reading ---------------------------------------------------------------------------------

def studio_grants(studio_id: int) -> list[FundingGrant]:
    """The studio's grants with their uses, newest year first (two queries)."""
    return list(db.session.scalars(
        select(FundingGrant).where(FundingGrant.studio_id == studio_id)
        .options(selectinload(FundingGrant.uses))
        .order_by(FundingGrant.year.desc(), FundingGrant.id)))


@dataclass(frozen=True)
class FundingTotals:
    granted: Decimal
    used: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.granted - self.used


def disbursed(grant_year_column):
    """Grants count as disbursed from their year on: a series of yearly grants recorded in
    advance adds nothing for the years still to come."""
    return grant_year_column <= beijing_today().year


def totals(studio_id: int, year: int | None = None) -> FundingTotals:
    """Granted (disbursed so far) and used, over all years or one grant year: one query."""
    query = select(func.coalesce(func.sum(FundingGrant.amount), 0),
                   func.coalesce(func.sum(FundingGrant.used), 0)).where(FundingGrant.studio_id == studio_id,
                                                                        disbursed(FundingGrant.year))
    if year is not None:
        query = query.where(FundingGrant.year == year)
    granted, used = db.session.execute(query).one()
    return FundingTotals(Decimal(granted), Decimal(used))


def used_in_year(studio_id: int, year: int) -> Decimal:
    """Money the studio spent during a calendar year, from any grant (an annual report's figure)."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(FundingUse.amount), 0))
        .join(FundingGrant, FundingGrant.id == FundingUse.grant_id)
        .where(FundingGrant.studio_id == studio_id,
               FundingUse.used_on.between(date(year, 1, 1), date(year, 12, 31))))
    return Decimal(total or 0)
