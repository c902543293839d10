"""Marking schemes: modules → criteria → aspects, built by an administrator one piece at a
time (or imported from Excel, see :mod:`competitions.services.scheme_excel`), and frozen
when scoring starts.

While a scheme is being built, every change keeps it *consistent*: module weights add up to
at most 100 and theory modules to at most the event's cap (30 at most); a measurement step
divides the aspect's maximum. It is *complete* when the weights add up to exactly 100 and
every module and criterion has aspects; only a complete scheme can be frozen. The final word
on completeness is :func:`competitions.scoring.validate_scheme`, the arithmetic's own check.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from competitions import scoring
from competitions.models import (
    ASPECT_KIND_LABELS,
    MODULE_KIND_LABELS,
    AspectKind,
    Event,
    Mark,
    ModuleKind,
    SchemeAspect,
    SchemeCriterion,
    SchemeModule,
)
from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.timeutil import utcnow

HUNDRED = Decimal(100)
#: Marks and weights are kept with two decimals.
CENT = Decimal("0.01")
#: The largest maximum mark an aspect may have.
MAX_ASPECT_MARK = Decimal(1000)


class SchemeFrozen(DomainError):
    """The event's scheme can no longer change: scoring has started."""


@dataclass
class ModuleData:
    name: str
    kind: str
    weight: Decimal


@dataclass
class AspectData:
    name: str
    kind: str
    max_mark: Decimal
    step: Decimal | None = None
    #: Measurement only: mm, s, 个 ... ("" when not stated).
    unit: str = ""


@dataclass
class CriterionDraft:
    name: str
    aspects: list[AspectData]


@dataclass
class ModuleDraft:
    """A whole module as read from a sheet, before it exists in the database."""

    data: ModuleData
    criteria: list[CriterionDraft]


# Checks of single values: (field, message) pairs, shared by the forms and the Excel import ------

def as_decimal(value) -> Decimal | None:
    """A typed or read value (``"30"``, ``"0.5"``, ``"30%"``) as a finite Decimal, or None."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    try:
        number = Decimal(str(value).strip().rstrip("%").strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _two_places(value: Decimal) -> bool:
    try:
        return value == value.quantize(CENT)
    except InvalidOperation:  # too many digits to have two decimals
        return False


def module_problems(data: ModuleData) -> list[tuple[str, str]]:
    problems = []
    if not (data.name or "").strip():
        problems.append(("name", str(_l("请填写模块名称"))))
    elif len(data.name.strip()) > 64:
        problems.append(("name", str(_l("模块名称不能超过 64 个字"))))
    if data.kind not in set(ModuleKind):
        problems.append(("kind", str(_l("模块类型应为理论、实操或答辩"))))
    if data.weight is None or not 0 < data.weight <= HUNDRED:
        problems.append(("weight", str(_l("模块权重应大于 0 且不超过 100"))))
    elif not _two_places(data.weight):
        problems.append(("weight", str(_l("权重最多保留两位小数"))))
    return problems


def aspect_problems(data: AspectData) -> list[tuple[str, str]]:
    """Name, kind, maximum and step of one aspect; a measurement step must divide the maximum."""
    problems = []
    if not (data.name or "").strip():
        problems.append(("name", str(_l("请填写评分细项"))))
    elif len(data.name.strip()) > 200:
        problems.append(("name", str(_l("评分细项不能超过 200 个字"))))
    if data.kind not in set(AspectKind):
        problems.append(("kind", str(_l("类型应为测量或评价"))))
    max_ok = data.max_mark is not None and 0 < data.max_mark <= MAX_ASPECT_MARK
    if not max_ok:
        problems.append(("max_mark", str(_l("满分应大于 0 且不超过 1000"))))
    elif not _two_places(data.max_mark):
        problems.append(("max_mark", str(_l("满分最多保留两位小数"))))
    problems += _unit_problems(data)
    if data.step is None:
        return problems
    if data.kind == AspectKind.JUDGEMENT:
        problems.append(("step", str(_l("评价类细项不设步长（每名裁判打 0、1、2、3 分）"))))
    elif data.step <= 0 or data.step > (data.max_mark if max_ok else MAX_ASPECT_MARK):
        problems.append(("step", str(_l("步长应大于 0 且不超过满分"))))
    elif not _two_places(data.step):
        problems.append(("step", str(_l("步长最多保留两位小数"))))
    elif max_ok and data.max_mark % data.step != 0:
        problems.append(("step", str(_l("满分 %(max)s 不是步长 %(step)s 的整数倍",
                                        max=plain(data.max_mark), step=plain(data.step)))))
    return problems


#: Characters a unit may not hold: it is printed beside marks and written to Excel.
_UNIT_FORBIDDEN = set("=+@<>\"'\\") | {chr(c) for c in range(32)}


def _unit_problems(data: AspectData) -> list[tuple[str, str]]:
    unit = (data.unit or "").strip()
    if not unit:
        return []
    if data.kind == AspectKind.JUDGEMENT:
        return [("unit", str(_l("评价类细项不设单位（每名裁判打 0、1、2、3 分）")))]
    if len(unit) > 16:
        return [("unit", str(_l("单位不能超过 16 个字")))]
    if any(ch in _UNIT_FORBIDDEN for ch in unit) or unit[0].isdigit():
        return [("unit", str(_l("单位应为 mm、s、个 这样的计量单位，不能以数字开头或含有 = + @ < > 引号等符号")))]
    return []


def weight_problems(modules: list[tuple[str, Decimal]], theory_cap: Decimal, *,
                    complete: bool) -> list[str]:
    """Module weights (kind, weight): at most 100 in total (exactly 100 when ``complete``),
    theory modules together at most ``theory_cap``."""
    problems = []
    total = sum((w for _k, w in modules), Decimal(0))
    if total > HUNDRED or (complete and total != HUNDRED):
        problems.append(str(_l("各模块权重之和应为 100，当前为 %(total)s", total=plain(total))))
    theory = sum((w for k, w in modules if k == ModuleKind.THEORY), Decimal(0))
    if theory > theory_cap:
        problems.append(str(_l("理论模块的权重合计不得超过 %(cap)s，当前为 %(weight)s",
                               cap=plain(theory_cap), weight=plain(theory))))
    return problems


def plain(value: Decimal | str | None) -> str:
    """A Decimal (or its text, as discrepancy details keep marks) without trailing zeros:
    30, 0.5, 12.25."""
    if value is None:
        return ""
    text = format(value if isinstance(value, Decimal) else Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _raise_first(problems: list[tuple[str, str]]) -> None:
    if problems:
        field, message = problems[0]
        raise DomainError(message, field=field)


# The scheme as a whole ---------------------------------------------------------------------------

def marking_scheme(event: Event) -> scoring.MarkingScheme:
    """The event's scheme as the arithmetic sees it: modules and aspects keyed by their ids."""
    modules = tuple(scoring.Module(key=str(m.id), name=m.name, weight=m.weight, kind=m.kind)
                    for m in event.modules)
    aspects = tuple(scoring.Aspect(key=str(a.id), module_key=str(m.id), criterion=c.name, name=a.name,
                                   kind=a.kind, max_mark=a.max_mark, step=a.step)
                    for m in event.modules for c in m.criteria for a in c.aspects)
    return scoring.MarkingScheme(modules=modules, aspects=aspects)


def scheme_problems(event: Event) -> list[str]:
    """What keeps the event's scheme from being complete (empty: ready to freeze)."""
    if not event.modules:
        return [str(_l("评分标准还没有模块"))]
    problems = weight_problems([(m.kind, m.weight) for m in event.modules], event.theory_weight_cap,
                               complete=True)
    for module in event.modules:
        if not module.criteria:
            problems.append(str(_l("模块“%(name)s”还没有评分项", name=module.name)))
        for criterion in module.criteria:
            if not criterion.aspects:
                problems.append(str(_l("评分项“%(name)s”还没有评分细项", name=criterion.name)))
    if not problems:
        try:
            scoring.validate_scheme(marking_scheme(event))
        except scoring.SchemeError as error:
            problems.append(str(error))
    return problems


def ensure_editable(event: Event) -> None:
    """Refuse changes to a frozen scheme, or to one that already has marks against it."""
    if event.scheme_frozen:
        raise SchemeFrozen(_l("评分已开始，评分标准已冻结，不能再修改"))
    if event.id and db.session.scalar(
            select(Mark.id).join(SchemeAspect, Mark.aspect_id == SchemeAspect.id)
            .join(SchemeCriterion, SchemeAspect.criterion_id == SchemeCriterion.id)
            .join(SchemeModule, SchemeCriterion.module_id == SchemeModule.id)
            .where(SchemeModule.event_id == event.id).limit(1)) is not None:
        raise SchemeFrozen(_l("该赛项已有评分记录，评分标准不能再修改"))


def freeze(event: Event, *, by) -> None:
    """Freeze a complete scheme (when scoring starts); an incomplete one is refused."""
    ensure_editable(event)
    problems = scheme_problems(event)
    if problems:
        raise DomainError(_l("评分标准尚未完成：%(problems)s", problems="；".join(problems)))
    event.scheme_frozen = True
    event.scheme_frozen_at = utcnow()
    db.session.flush()
    audit.record("scheme.freeze", event, by=by, changes={"scheme": [None, scheme_summary(event)]})


def _touch(event: Event) -> None:
    """Mark the event changed, so its version guards against two concurrent scheme edits."""
    event.scheme_updated_at = utcnow()


def module_summary(module) -> str:
    return f"{module.name}（{MODULE_KIND_LABELS[ModuleKind(module.kind)]}，{plain(module.weight)}）"


def aspect_summary(aspect) -> str:
    step = f"，步长 {plain(aspect.step)}" if aspect.step is not None else ""
    unit = f"，单位 {aspect.unit}" if aspect.unit else ""
    return (f"{aspect.name}（{ASPECT_KIND_LABELS[AspectKind(aspect.kind)]}，满分 {plain(aspect.max_mark)}"
            f"{step}{unit}）")


def scheme_summary(event: Event) -> list[str]:
    return [module_summary(m) for m in event.modules]


def _next_position(items) -> int:
    return max((i.position for i in items), default=0) + 1


# Modules -------------------------------------------------------------------------------------

def _check_module(event: Event, data: ModuleData, *, replacing: SchemeModule | None = None) -> None:
    data.name = (data.name or "").strip()
    _raise_first(module_problems(data))
    others = [m for m in event.modules if m is not replacing]
    if any(m.name == data.name for m in others):
        raise DomainError(_l("该赛项已有名为“%(name)s”的模块", name=data.name), field="name")
    problems = weight_problems([(m.kind, m.weight) for m in others] + [(data.kind, data.weight)],
                               event.theory_weight_cap, complete=False)
    if problems:
        raise DomainError(problems[0], field="weight")


def add_module(event: Event, data: ModuleData, *, by) -> SchemeModule:
    ensure_editable(event)
    _check_module(event, data)
    module = SchemeModule(name=data.name, kind=data.kind, weight=data.weight,
                          position=_next_position(event.modules))
    event.modules.append(module)
    _touch(event)
    db.session.flush()
    audit.record("scheme.add_module", event, by=by, changes={"module": [None, module_summary(module)]})
    return module


def update_module(module: SchemeModule, data: ModuleData, *, by) -> None:
    event = module.event
    ensure_editable(event)
    _check_module(event, data, replacing=module)
    before = module_summary(module)
    module.name, module.kind, module.weight = data.name, data.kind, data.weight
    _touch(event)
    db.session.flush()
    if module_summary(module) != before:
        audit.record("scheme.update_module", event, by=by, changes={"module": [before, module_summary(module)]})


def remove_module(module: SchemeModule, *, by) -> None:
    """Remove a module with its criteria and aspects."""
    event = module.event
    ensure_editable(event)
    summary = module_summary(module)
    event.modules.remove(module)
    _touch(event)
    db.session.flush()
    audit.record("scheme.remove_module", event, by=by, changes={"module": [summary, None]})


# Criteria ------------------------------------------------------------------------------------

def _check_criterion_name(module: SchemeModule, name: str, *, replacing=None) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("请填写评分项"), field="name")
    if len(name) > 100:
        raise DomainError(_l("评分项不能超过 100 个字"), field="name")
    if any(c.name == name for c in module.criteria if c is not replacing):
        raise DomainError(_l("模块“%(module)s”已有评分项“%(name)s”", module=module.name, name=name),
                          field="name")
    return name


def add_criterion(module: SchemeModule, name: str, *, by) -> SchemeCriterion:
    ensure_editable(module.event)
    name = _check_criterion_name(module, name)
    criterion = SchemeCriterion(name=name, position=_next_position(module.criteria))
    module.criteria.append(criterion)
    _touch(module.event)
    db.session.flush()
    audit.record("scheme.add_criterion", module.event, by=by,
                 changes={"criterion": [None, f"{module.name} / {name}"]})
    return criterion


def update_criterion(criterion: SchemeCriterion, name: str, *, by) -> None:
    module = criterion.module
    ensure_editable(module.event)
    name = _check_criterion_name(module, name, replacing=criterion)
    before = criterion.name
    criterion.name = name
    _touch(module.event)
    db.session.flush()
    if name != before:
        audit.record("scheme.update_criterion", module.event, by=by,
                     changes={"criterion": [f"{module.name} / {before}", f"{module.name} / {name}"]})


def remove_criterion(criterion: SchemeCriterion, *, by) -> None:
    module = criterion.module
    ensure_editable(module.event)
    module.criteria.remove(criterion)
    _touch(module.event)
    db.session.flush()
    audit.record("scheme.remove_criterion", module.event, by=by,
                 changes={"criterion": [f"{module.name} / {criterion.name}", None]})


# Aspects -------------------------------------------------------------------------------------

def _check_aspect(criterion: SchemeCriterion, data: AspectData, *, replacing=None) -> None:
    data.name = (data.name or "").strip()
    data.unit = (data.unit or "").strip()
    _raise_first(aspect_problems(data))
    if any(a.name == data.name for a in criterion.aspects if a is not replacing):
        raise DomainError(_l("评分项“%(criterion)s”已有评分细项“%(name)s”", criterion=criterion.name,
                             name=data.name), field="name")


def add_aspect(criterion: SchemeCriterion, data: AspectData, *, by) -> SchemeAspect:
    event = criterion.module.event
    ensure_editable(event)
    _check_aspect(criterion, data)
    aspect = SchemeAspect(name=data.name, kind=data.kind, max_mark=data.max_mark, step=data.step,
                          unit=data.unit, position=_next_position(criterion.aspects))
    criterion.aspects.append(aspect)
    _touch(event)
    db.session.flush()
    audit.record("scheme.add_aspect", event, by=by,
                 changes={"aspect": [None, f"{criterion.name} / {aspect_summary(aspect)}"]})
    return aspect


def update_aspect(aspect: SchemeAspect, data: AspectData, *, by) -> None:
    criterion = aspect.criterion
    event = criterion.module.event
    ensure_editable(event)
    _check_aspect(criterion, data, replacing=aspect)
    before = aspect_summary(aspect)
    aspect.name, aspect.kind, aspect.max_mark, aspect.step = data.name, data.kind, data.max_mark, data.step
    aspect.unit = data.unit
    _touch(event)
    db.session.flush()
    if aspect_summary(aspect) != before:
        audit.record("scheme.update_aspect", event, by=by, changes={"aspect": [
            f"{criterion.name} / {before}", f"{criterion.name} / {aspect_summary(aspect)}"]})


def remove_aspect(aspect: SchemeAspect, *, by) -> None:
    criterion = aspect.criterion
    event = criterion.module.event
    ensure_editable(event)
    summary = aspect_summary(aspect)
    criterion.aspects.remove(aspect)
    _touch(event)
    db.session.flush()
    audit.record("scheme.remove_aspect", event, by=by,
                 changes={"aspect": [f"{criterion.name} / {summary}", None]})


# The whole scheme at once (Excel import) -------------------------------------------------------

def replace_scheme(event: Event, drafts: list[ModuleDraft], *, by) -> None:
    """Replace the event's scheme by ``drafts`` (already checked, see the Excel import)."""
    ensure_editable(event)
    before = scheme_summary(event)
    event.modules.clear()
    db.session.flush()  # the old rows go first: the new ones may reuse their names
    for position, draft in enumerate(drafts, start=1):
        module = SchemeModule(name=draft.data.name, kind=draft.data.kind, weight=draft.data.weight,
                              position=position)
        for c_position, criterion_draft in enumerate(draft.criteria, start=1):
            criterion = SchemeCriterion(name=criterion_draft.name, position=c_position)
            criterion.aspects = [SchemeAspect(name=a.name, kind=a.kind, max_mark=a.max_mark, step=a.step,
                                              unit=(a.unit or "").strip(), position=a_position)
                                 for a_position, a in enumerate(criterion_draft.aspects, start=1)]
            module.criteria.append(criterion)
        event.modules.append(module)
    _touch(event)
    db.session.flush()
    audit.record("scheme.import", event, by=by, changes={
        "scheme": [before, scheme_summary(event)],
        "aspects": [None, len(event.aspects())]})
