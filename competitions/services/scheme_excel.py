"""A marking scheme in and out of Excel: one sheet, one row per aspect.

Columns: 模块, 模块权重, 模块类型 (理论/实操/答辩), 评分项, 评分细项, 类型 (测量/评价), 满分, 步长,
单位 (of a measurement: mm, s, 个). Sheets from before the 单位 column import as they are.
Export writes every column on every row; import also accepts the module columns (and the
评分项) left blank under a row that has them, as with merged cells. Import is all or nothing:
every bad row is listed (row, column, reason) and nothing changes until the file is clean.
The exported file imports back to the same scheme.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l

from competitions.models import AspectKind, Event, ModuleKind
from competitions.services import schemes
from competitions.services.schemes import AspectData, CriterionDraft, ModuleData, ModuleDraft, as_decimal
from core.excel import ImportRefused, RowProblem, workbook

COLUMNS = ("模块", "模块权重", "模块类型", "评分项", "评分细项", "类型", "满分", "步长", "单位")
#: 步长 may be left out of a sheet that has no stepped aspects, 单位 of one that states no units
#: (and of every sheet exported before units existed).
REQUIRED = COLUMNS[:7]
WIDTHS = {"模块": 16, "模块权重": 10, "模块类型": 10, "评分项": 24, "评分细项": 40, "类型": 8,
          "满分": 8, "步长": 8, "单位": 8}

MODULE_KIND_WORDS = {"理论": ModuleKind.THEORY, "理论知识": ModuleKind.THEORY, "实操": ModuleKind.PRACTICAL,
                     "技能操作": ModuleKind.PRACTICAL, "答辩": ModuleKind.ORAL}
ASPECT_KIND_WORDS = {"测量": AspectKind.MEASUREMENT, "评价": AspectKind.JUDGEMENT}
_MODULE_WORD = {ModuleKind.THEORY: "理论", ModuleKind.PRACTICAL: "实操", ModuleKind.ORAL: "答辩"}
_ASPECT_WORD = {AspectKind.MEASUREMENT: "测量", AspectKind.JUDGEMENT: "评价"}

#: Which column reports a problem of which field.
_MODULE_COLUMN = {"name": "模块", "kind": "模块类型", "weight": "模块权重"}
_ASPECT_COLUMN = {"name": "评分细项", "kind": "类型", "max_mark": "满分", "step": "步长", "unit": "单位"}

EXAMPLE_ROWS = [
    ("理论知识", 30, "理论", "理论考试", "笔试成绩", "测量", 100, 0.5, "分"),
    ("技能操作", 70, "实操", "零件加工", "尺寸精度", "测量", 40, 1, "mm"),
    ("技能操作", 70, "实操", "零件加工", "表面粗糙度", "测量", 10, 0.5, "μm"),
    ("技能操作", 70, "实操", "工艺与规范", "加工工艺合理性", "评价", 20, None, None),
    ("技能操作", 70, "实操", "工艺与规范", "安全文明生产", "评价", 10, None, None),
]


def _kind(words: dict, text: str):
    text = text.strip()
    if text in words:
        return words[text].value
    lowered = text.lower()
    return lowered if lowered in {k.value for k in words.values()} else ""


def _number(text: str, column: str, number: int, problems: list[RowProblem]):
    """The cell as a Decimal; a problem (and None) when it is not a number."""
    value = as_decimal(text)
    if value is None:
        problems.append(RowProblem(number, column, str(_l("应为数字"))))
    return value


def _add_new(found: list[RowProblem], number: int, columns: dict, problems) -> None:
    """Add the (field, message) problems whose column has no problem reported yet."""
    reported = {p.column for p in found}
    for field, message in problems:
        if columns[field] not in reported:
            found.append(RowProblem(number, columns[field], message))
            reported.add(columns[field])


class _Reader:
    """Reads rows in order, carrying the module and criterion down over blank cells."""

    def __init__(self):
        self.problems: list[RowProblem] = []
        self.modules: dict[str, ModuleDraft] = {}
        self.first_row: dict[str, int] = {}
        self.bad_modules: set[str] = set()
        self.aspect_rows: dict[tuple[str, str, str], int] = {}
        self.current_module: str | None = None
        self.current_criterion: str | None = None

    def read(self, number: int, row: dict) -> None:
        problems: list[RowProblem] = []
        module = self._module(number, row, problems)
        criterion = self._criterion(number, row, problems)
        aspect = self._aspect(number, row, problems)
        if module and criterion and aspect and not problems:
            key = (module.data.name, criterion, aspect.name)
            if key in self.aspect_rows:
                problems.append(RowProblem(number, "评分细项", str(_l(
                    "与第 %(n)s 行的评分细项重复", n=self.aspect_rows[key]))))
            else:
                self.aspect_rows[key] = number
                draft = next((c for c in module.criteria if c.name == criterion), None)
                if draft is None:
                    draft = CriterionDraft(name=criterion, aspects=[])
                    module.criteria.append(draft)
                draft.aspects.append(aspect)
        self.problems += problems

    def _module(self, number: int, row: dict, problems: list[RowProblem]) -> ModuleDraft | None:
        name = row.get("模块", "").strip()
        if not name:
            if self.current_module is None:
                problems.append(RowProblem(number, "模块", str(_l("请填写模块"))))
                return None
            name = self.current_module  # carried down from the row above
        elif name != self.current_module:
            self.current_criterion = None
        self.current_module = name
        weight_text, kind_text = row.get("模块权重", "").strip(), row.get("模块类型", "").strip()
        existing = self.modules.get(name)
        if (existing is not None or name in self.bad_modules) and not weight_text and not kind_text:
            return existing  # a later row of a module: its cells may be left blank
        found: list[RowProblem] = []
        weight = _number(weight_text, "模块权重", number, found) if weight_text else None
        if not weight_text:
            found.append(RowProblem(number, "模块权重", str(_l("请填写模块权重"))))
        data = ModuleData(name=name, kind=_kind(MODULE_KIND_WORDS, kind_text), weight=weight)
        _add_new(found, number, _MODULE_COLUMN, schemes.module_problems(data))
        if existing is not None and not found and (existing.data.weight, existing.data.kind) != (
                data.weight, data.kind):
            found.append(RowProblem(number, "模块权重", str(_l(
                "模块“%(name)s”的权重或类型与第 %(n)s 行不一致", name=name, n=self.first_row[name]))))
        problems += found
        if found:
            if existing is None:
                self.bad_modules.add(name)
            return None
        if existing is None:
            existing = self.modules[name] = ModuleDraft(data=data, criteria=[])
            self.first_row[name] = number
        return existing

    def _criterion(self, number: int, row: dict, problems: list[RowProblem]) -> str | None:
        name = row.get("评分项", "").strip()
        if not name:
            if self.current_criterion is None:
                problems.append(RowProblem(number, "评分项", str(_l("请填写评分项"))))
            return self.current_criterion
        if len(name) > 100:
            problems.append(RowProblem(number, "评分项", str(_l("评分项不能超过 100 个字"))))
            return None
        self.current_criterion = name
        return name

    def _aspect(self, number: int, row: dict, problems: list[RowProblem]) -> AspectData | None:
        found: list[RowProblem] = []
        kind = _kind(ASPECT_KIND_WORDS, row.get("类型", ""))
        max_text, step_text = row.get("满分", "").strip(), row.get("步长", "").strip()
        max_mark = _number(max_text, "满分", number, found) if max_text else None
        step = _number(step_text, "步长", number, found) if step_text else None
        data = AspectData(name=row.get("评分细项", "").strip(), kind=kind, max_mark=max_mark, step=step,
                          unit=row.get("单位", "").strip())
        if max_text == "":
            found.append(RowProblem(number, "满分", str(_l("请填写满分"))))
        _add_new(found, number, _ASPECT_COLUMN, schemes.aspect_problems(data))
        problems += found
        return None if found else data


def parse(rows: Sequence[tuple[int, dict]], event: Event) -> tuple[list[ModuleDraft], list[RowProblem]]:
    """Check every row and the scheme as a whole; returns the modules and every problem."""
    if not rows:
        return [], [RowProblem(1, "", str(_l("表格中没有数据行")))]
    reader = _Reader()
    for number, row in rows:
        reader.read(number, row)
    drafts = list(reader.modules.values())
    problems = sorted(reader.problems, key=lambda p: (p.row, COLUMNS.index(p.column)
                                                      if p.column in COLUMNS else 0))
    if not problems:
        whole = schemes.weight_problems([(d.data.kind, d.data.weight) for d in drafts],
                                        event.theory_weight_cap, complete=True)
        problems = [RowProblem(1, "模块权重", message) for message in whole]
    return drafts, problems


def import_scheme(event: Event, rows: Sequence[tuple[int, dict]], *, by) -> int:
    """Replace the event's scheme by the sheet's, or raise ImportRefused listing every problem.

    Returns the number of aspects imported.
    """
    schemes.ensure_editable(event)
    drafts, problems = parse(rows, event)
    if problems:
        raise ImportRefused(problems)
    schemes.replace_scheme(event, drafts, by=by)
    return sum(len(c.aspects) for d in drafts for c in d.criteria)


def _cell(value):
    """Numbers as numbers in the sheet: whole ones as int, others as their shortest Decimal."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else value.normalize()


def export_rows(event: Event) -> list[tuple]:
    """One row per aspect, every column filled; a module or criterion without aspects still
    gets a row (with the aspect columns blank), so nothing is silently left out."""
    rows = []
    for module in event.modules:
        head = (module.name, _cell(module.weight), _MODULE_WORD[ModuleKind(module.kind)])
        if not module.criteria:
            rows.append(head + (None,) * 6)
        for criterion in module.criteria:
            if not criterion.aspects:
                rows.append(head + (criterion.name,) + (None,) * 5)
            for aspect in criterion.aspects:
                rows.append(head + (criterion.name, aspect.name, _ASPECT_WORD[AspectKind(aspect.kind)],
                                    _cell(aspect.max_mark), _cell(aspect.step), aspect.unit or None))
    return rows


def export_workbook(event: Event) -> bytes:
    """The scheme in the import format (a Chinese document whatever the UI language)."""
    return workbook("评分标准", COLUMNS, export_rows(event), widths=WIDTHS, round_trip=True)


def template_workbook() -> bytes:
    return workbook("评分标准", COLUMNS, EXAMPLE_ROWS, widths=WIDTHS)


__all__ = ["COLUMNS", "REQUIRED", "ImportRefused", "export_workbook", "import_scheme", "parse", "template_workbook"]
