"""Indicators: the read side (progress of every indicator) and the changes administrators
make (edit a target or baseline, report a value, correct a reported value).

Changes validate, change, record an audit entry and flush; they never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.audit.services import diff, record, snapshot
from core.errors import DomainError
from core.extensions import db
from core.timeutil import beijing_today
from core.versions import check_version
from indicators import metrics, progress
from indicators.models import HasSource, Indicator, IndicatorReport, IndicatorSource

# --- Read side ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorProgress(HasSource):
    """One indicator with its current value and progress, ready to show or to serialise."""

    id: int
    key: str
    name: str
    category: str
    unit: str
    target: Decimal | None
    target_year: int
    baseline: Decimal | None
    baseline_year: int | None
    #: 'live' (computed from records) or 'reported' (entered by administrators).
    source: str
    #: The current value (None: nothing reported yet, or the live metric is not available).
    value: Decimal | None
    #: The date the value describes.
    as_of: date | None
    #: 0 at the baseline, 1 at the target, above 1 beyond it (see :mod:`indicators.progress`).
    progress: Decimal | None
    #: The share expected by now on a straight line from the baseline year to the target year.
    expected: Decimal | None
    #: Year -> value, in year order.
    series: dict[int, Decimal] = field(default_factory=dict)
    by_district: dict[str, Decimal] = field(default_factory=dict)
    by_industry: dict[str, Decimal] = field(default_factory=dict)
    by_level: dict[str, Decimal] = field(default_factory=dict)
    definition: str = ""
    basis: str = ""
    #: For reported values: the source note of the entry the current value comes from.
    source_note: str = ""
    #: For live values: the metric's label; empty when the metric is not available.
    metric_label: str = ""

    @property
    def achieved(self) -> bool:
        return self.progress is not None and self.progress >= 1

    @property
    def decreasing(self) -> bool:
        return progress.is_decreasing(self.target, self.baseline)

    @property
    def behind(self) -> bool:
        """Below the straight-line expectation for the value's year."""
        return (self.progress is not None and self.expected is not None
                and self.progress < self.expected)

    @property
    def progress_text(self) -> str:
        if self.progress is None and self.awaits_baseline:
            return str(_l("待录入基期值"))
        return progress.percent(self.progress)

    @property
    def awaits_baseline(self) -> bool:
        """A rate with a value and a target but no baseline: its progress cannot be told."""
        return (self.unit in PERCENT_UNITS and self.baseline is None and self.value is not None
                and self.target is not None)

    @property
    def expected_text(self) -> str:
        return progress.percent(self.expected)


def effective_reports(indicator_ids=None) -> dict[int, dict[int, IndicatorReport]]:
    """{indicator id: {year: the entry in force}}: entries no later entry supersedes."""
    superseded = select(IndicatorReport.supersedes_id).where(
        IndicatorReport.supersedes_id.is_not(None))
    query = select(IndicatorReport).where(IndicatorReport.id.not_in(superseded))
    if indicator_ids is not None:
        query = query.where(IndicatorReport.indicator_id.in_(list(indicator_ids)))
    result: dict[int, dict[int, IndicatorReport]] = {}
    for entry in db.session.scalars(query.order_by(IndicatorReport.year, IndicatorReport.id)):
        # Two entries in force for one year can only come from concurrent saves; the later wins.
        result.setdefault(entry.indicator_id, {})[entry.year] = entry
    return result


def _progress(indicator: Indicator, value, as_of, series, *, by_district=None, by_industry=None,
              by_level=None, source_note="", metric_label="") -> IndicatorProgress:
    year = as_of.year if as_of else None
    return IndicatorProgress(
        id=indicator.id, key=indicator.key, name=indicator.name, category=indicator.category,
        unit=indicator.unit, target=indicator.target, target_year=indicator.target_year,
        baseline=indicator.baseline, baseline_year=indicator.baseline_year,
        source=indicator.source, value=value, as_of=as_of,
        progress=progress.progress_share(value, indicator.target, indicator.baseline,
                                         is_rate=indicator.unit in PERCENT_UNITS),
        expected=(progress.expected_share(year, indicator.baseline_year, indicator.target_year)
                  if indicator.target is not None else None),
        series=dict(sorted(series.items())), by_district=dict(by_district or {}),
        by_industry=dict(by_industry or {}), by_level=dict(by_level or {}),
        definition=indicator.definition, basis=indicator.basis, source_note=source_note,
        metric_label=metric_label)


def _live(indicator: Indicator, cache: dict) -> IndicatorProgress:
    metric = metrics.get(indicator.metric_key)
    if metric is None:
        return _progress(indicator, None, None, {})
    if metric.key not in cache:
        cache[metric.key] = metric.compute()
    result: metrics.MetricResult = cache[metric.key]
    first = indicator.baseline_year or min(result.series, default=indicator.target_year)
    series = {year: value for year, value in result.series.items()
              if first <= year <= max(indicator.target_year, result.as_of.year)}
    return _progress(indicator, result.value, result.as_of, series,
                     by_district=result.by_district, by_industry=result.by_industry,
                     by_level=result.by_level, metric_label=str(metric.label))


def _reported(indicator: Indicator, entries: dict[int, IndicatorReport]) -> IndicatorProgress:
    series = {year: entry.value for year, entry in entries.items()}
    if not entries:
        return _progress(indicator, None, None, {})
    latest = entries[max(entries)]
    return _progress(indicator, latest.value, latest.as_of, series, source_note=latest.source_note)


def indicator_progress(indicator: Indicator, cache: dict | None = None) -> IndicatorProgress:
    """Progress of one indicator."""
    if indicator.is_live:
        return _live(indicator, {} if cache is None else cache)
    return _reported(indicator, effective_reports([indicator.id]).get(indicator.id, {}))


def all_indicators() -> list[Indicator]:
    return list(db.session.scalars(select(Indicator).order_by(Indicator.position, Indicator.id)))


def list_indicators() -> list[IndicatorProgress]:
    """Every indicator with its progress, in the plan's order.

    One query for the indicators, one for the reports in force, and each live metric computed
    once (its aggregate queries), however many indicators use it.
    """
    indicators = all_indicators()
    reports = effective_reports()
    cache: dict = {}
    return [_live(i, cache) if i.is_live else _reported(i, reports.get(i.id, {}))
            for i in indicators]


def by_category(items: list[IndicatorProgress]) -> list[tuple[str, list[IndicatorProgress]]]:
    """[(category, [progress, ...]), ...] in the plan's order."""
    groups: dict[str, list[IndicatorProgress]] = {}
    for item in items:
        groups.setdefault(item.category or str(_l("其他")), []).append(item)
    return list(groups.items())


def report_history(indicator: Indicator) -> list[IndicatorReport]:
    """Every entry ever made for ``indicator``, newest first, corrections included."""
    return list(db.session.scalars(
        select(IndicatorReport).where(IndicatorReport.indicator_id == indicator.id)
        .order_by(IndicatorReport.year.desc(), IndicatorReport.id.desc())))


def superseded_ids(entries) -> set[int]:
    return {e.supersedes_id for e in entries if e.supersedes_id}


# --- Changes -----------------------------------------------------------------------------------

#: Indicator fields administrators edit; each change is audited.
EDITABLE_FIELDS = ("target", "target_year", "baseline", "baseline_year", "definition", "basis")

#: Years an indicator or a report may name.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100

PERCENT_UNITS = frozenset({"%", "％"})


@dataclass(frozen=True)
class IndicatorData:
    target: Decimal | None
    target_year: int
    baseline: Decimal | None
    baseline_year: int | None
    definition: str = ""
    basis: str = ""


def _check_value(indicator: Indicator, value: Decimal | None, field_name: str) -> None:
    if value is None:
        return
    if not value.is_finite() or value.as_tuple().exponent < -2:  # type: ignore[operator]  # finite: an int
        raise DomainError(_l("数值最多保留两位小数"), field=field_name)
    if value >= Decimal("1e12"):
        raise DomainError(_l("数值过大"), field=field_name)
    if value < 0:
        raise DomainError(_l("数值不能为负数"), field=field_name)
    if indicator.unit in PERCENT_UNITS and value > 100:
        raise DomainError(_l("百分比不能超过 100"), field=field_name)


def _stored(value: Decimal | None) -> Decimal | None:
    """A value as the database keeps it (two decimal places), so unchanged values compare equal."""
    return None if value is None else value.quantize(Decimal("0.01"))


def _check_year(year: int | None, field_name: str) -> None:
    if year is not None and not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise DomainError(_l("年份应在 %(a)s 至 %(b)s 之间", a=EARLIEST_YEAR, b=LATEST_YEAR),
                          field=field_name)


def update_indicator(indicator: Indicator, data: IndicatorData, *, expected_version: int | None, by) -> None:
    """Change the target, baseline and notes of ``indicator`` (audited)."""

    check_version(indicator, expected_version, _l("该指标已被他人修改。您填写的内容仍保留在下方，请刷新后再保存。"))
    _check_year(data.target_year, "target_year")
    _check_year(data.baseline_year, "baseline_year")
    _check_value(indicator, data.target, "target")
    _check_value(indicator, data.baseline, "baseline")
    if data.baseline is not None and data.baseline_year is None:
        raise DomainError(_l("填写了基期值，请同时填写基期年份"), field="baseline_year")
    if data.baseline_year is not None and data.baseline_year >= data.target_year:
        raise DomainError(_l("基期年份应早于目标年份"), field="baseline_year")
    before = snapshot(indicator, EDITABLE_FIELDS)
    indicator.target = _stored(data.target)
    indicator.target_year = data.target_year
    indicator.baseline = _stored(data.baseline)
    indicator.baseline_year = data.baseline_year
    indicator.definition = data.definition.strip()
    indicator.basis = data.basis.strip()
    db.session.flush()
    changes = diff(before, snapshot(indicator, EDITABLE_FIELDS))
    if changes:
        record("indicator.update", indicator, by=by, changes=changes)


def _check_report(indicator: Indicator, year: int, value: Decimal, as_of: date, source_note: str) -> None:
    if indicator.is_live:
        raise DomainError(_l("该指标由系统根据业务记录实时统计，无需填报"))
    _check_year(year, "year")
    today = beijing_today()
    if year > today.year:
        raise DomainError(_l("不能填报未来年度的数值"), field="year")
    _check_value(indicator, value, "value")
    if as_of.year != year:
        raise DomainError(_l("截至日期应在所填年度之内"), field="as_of")
    if as_of > today:
        raise DomainError(_l("截至日期不能晚于今天"), field="as_of")
    if not source_note.strip():
        raise DomainError(_l("请注明数据来源"), field="source_note")


def in_force(indicator: Indicator, year: int) -> IndicatorReport | None:
    return effective_reports([indicator.id]).get(indicator.id, {}).get(year)


def report_value(indicator: Indicator, *, year: int, value: Decimal, as_of: date, source_note: str,
                 by) -> IndicatorReport:
    """Enter the value of ``indicator`` for ``year``. A year that already has a value takes a
    correction instead (:func:`correct_report`), so no entry is ever overwritten."""
    _check_report(indicator, year, value, as_of, source_note)
    if in_force(indicator, year) is not None:
        raise DomainError(_l("%(year)s 年度已有填报值；如需修改，请在历史记录中对该条目进行更正并说明原因",
                             year=year), field="year")
    entry = IndicatorReport(indicator=indicator, year=year, value=_stored(value), as_of=as_of,
                            source_note=source_note.strip(), recorded_by_id=getattr(by, "id", None))
    db.session.add(entry)
    db.session.flush()
    record("indicator.report", indicator, by=by,
           changes={"year": year, "value": str(value), "as_of": as_of.isoformat(),
                    "source_note": entry.source_note, "report_id": entry.id})
    return entry


def correct_report(entry: IndicatorReport, *, value: Decimal, as_of: date, source_note: str, reason: str,
                   by) -> IndicatorReport:
    """A new entry superseding ``entry`` (which stays in the history), with the reason."""
    indicator = entry.indicator
    _check_report(indicator, entry.year, value, as_of, source_note)
    if not reason.strip():
        raise DomainError(_l("请说明更正原因"), field="reason")
    current = in_force(indicator, entry.year)
    if current is None or current.id != entry.id:
        raise DomainError(_l("该条目已被更正，请对当前有效的条目进行更正"))
    correction = IndicatorReport(indicator=indicator, year=entry.year, value=_stored(value), as_of=as_of,
                                 source_note=source_note.strip(), supersedes_id=entry.id,
                                 correction_reason=reason.strip(), recorded_by_id=getattr(by, "id", None))
    db.session.add(correction)
    db.session.flush()
    record("indicator.correct", indicator, by=by,
           changes={"year": entry.year, "value": [str(entry.value), str(value)],
                    "as_of": [entry.as_of.isoformat(), as_of.isoformat()],
                    "source_note": [entry.source_note, correction.source_note],
                    "reason": correction.correction_reason,
                    "report_id": [entry.id, correction.id]})
    return correction


def parse_decimal(text) -> Decimal | None:
    """A typed number to Decimal (None when blank); DomainError when it is not a number."""
    text = str(text if text is not None else "").strip().replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise DomainError(_l("请输入数字")) from None
    if not value.is_finite():
        raise DomainError(_l("请输入数字"))
    return value


# --- The plan file -----------------------------------------------------------------------------

PLAN_FILE = "plan_2021_2025.json"


def read_plan(path=None) -> list[dict]:
    """The indicator definitions of the plan file (the package's own unless ``path`` is given)."""
    import json
    from pathlib import Path

    plan_path = Path(path) if path else Path(__file__).with_name(PLAN_FILE)
    return json.loads(plan_path.read_text(encoding="utf-8"))["indicators"]


def load_plan(path=None, *, by=None) -> tuple[int, int]:
    """Create the plan's indicators that do not exist yet; returns (created, already there).

    Existing indicators are left as they are: targets and baselines administrators have
    edited are never reset by loading the plan again.
    """
    definitions = read_plan(path)
    existing = set(db.session.scalars(select(Indicator.key)))
    created = 0
    for position, item in enumerate(definitions, start=1):
        if item["key"] in existing:
            continue
        source = IndicatorSource(item.get("source", IndicatorSource.REPORTED.value))
        indicator = Indicator(
            key=item["key"], position=position, category=item.get("category", ""),
            name=item["name"], unit=item["unit"],
            target=parse_decimal(item.get("target")), target_year=int(item["target_year"]),
            baseline=parse_decimal(item.get("baseline")),
            baseline_year=int(item["baseline_year"]) if item.get("baseline_year") else None,
            source=source.value,
            metric_key=item.get("metric_key") if source == IndicatorSource.LIVE else None,
            definition=item.get("definition", ""), basis=item.get("basis", ""))
        db.session.add(indicator)
        db.session.flush()
        record("indicator.create", indicator, by=by,
               changes=diff({}, snapshot(indicator, ("key", "name", "unit", "source", "metric_key",
                                                     *EDITABLE_FIELDS))))
        created += 1
    return created, len(definitions) - created
