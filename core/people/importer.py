"""Worker records from Excel: all rows valid, or nothing imported and every bad row listed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flask_babel import lazy_gettext as _l

from core.audit import services as audit
from core.excel import ImportRefused, RowProblem
from core.people import services
from core.people.models import Gender, SkillLevel

#: Column headers of the import template, in order; the first five are required.
COLUMNS = ("姓名", "性别", "身份证号", "手机号码", "工种", "职业编码", "技能等级", "从事本工种年限",
           "一线职工", "在岗", "荣誉")
REQUIRED = COLUMNS[:5]
#: Columns the template formats as text: spreadsheets would keep 15 digits of an ID number,
#: and could take an occupation code such as 6-18-01-07 for a date.
TEXT_COLUMNS = ("身份证号", "手机号码", "职业编码")
FIELD_COLUMNS = {"name": "姓名", "gender": "性别", "id_number": "身份证号", "mobile": "手机号码",
                 "occupation": "工种", "occupation_code": "职业编码", "skill_level": "技能等级",
                 "years_in_occupation": "从事本工种年限", "honors": "荣誉"}
EXAMPLE_ROW = ("张建国", "男", "11010519850615001X", "13912345678", "钳工", "6-18-01-07", "二级/技师",
               "12", "是", "是", "2023年 北京市技术能手")

_GENDERS = {"男": Gender.MALE.value, "女": Gender.FEMALE.value, "male": Gender.MALE.value,
            "female": Gender.FEMALE.value}
_YES = {"是", "y", "yes", "true", "1", "√"}
_NO = {"否", "n", "no", "false", "0", "×", "x"}


def _skill_level(text: str) -> str:
    """Accept 二级/技师, 技师, 二级 or the stored value."""
    text = text.strip()
    for level in SkillLevel:
        label = str(level.label)
        if text in {level.value, label, *label.split("/")}:
            return level.value
    return ""


def _flag(text: str, default: bool) -> bool | None:
    text = text.strip().lower()
    if not text:
        return default
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None


def parse(rows: Sequence[tuple[int, dict]], enterprise_id: int, *, by, hits: list | None = None,
          progress: Callable[[int], object] | None = None) -> tuple[list, list[RowProblem]]:
    """Check every row; returns the WorkerData to create and the problems (row, column, reason).
    ``progress`` is told how many rows were checked, after each.

    ID numbers registered at an enterprise ``by`` may not see are appended to ``hits`` as
    ``(masked number, holder enterprise)``; once the account's allowance of such hits is used
    up, no further number is looked up (the rest of the sheet is not checked for duplicates).
    """
    found: list[RowProblem] = []
    ready = []
    seen: dict[str, int] = {}
    hits = [] if hits is None else hits
    allowance = services.duplicate_hits_left(by)
    stopped = False
    for checked, (number, row) in enumerate(rows, start=1):
        if progress is not None and checked > 1:
            progress(checked - 1)
        gender_text = row.get("性别", "")
        data = services.WorkerData(
            name=row.get("姓名", ""), gender=_GENDERS.get(gender_text.strip().lower(), ""),
            id_number=row.get("身份证号", ""), mobile=row.get("手机号码", ""),
            enterprise_id=enterprise_id, occupation=row.get("工种", ""),
            occupation_code=row.get("职业编码", ""),
            skill_level=_skill_level(row.get("技能等级", "")),
            years_in_occupation=row.get("从事本工种年限", "") or 0, honors=row.get("荣誉", ""))
        row_problems = []
        for key, default in (("一线职工", True), ("在岗", True)):
            value = _flag(row.get(key, ""), default)
            if value is None:
                row_problems.append(RowProblem(number, key, str(_l("应填“是”或“否”"))))
            elif key == "一线职工":
                data.is_front_line = value
            else:
                data.in_post = value
        field_problems, resident = services.problems(data)
        row_problems += [RowProblem(number, FIELD_COLUMNS[f], m) for f, m in field_problems]
        if resident is not None:
            if resident.number in seen:
                row_problems.append(RowProblem(number, "身份证号", str(_l(
                    "与第 %(n)s 行的身份证号重复", n=seen[resident.number]))))
            elif allowance is not None and len(hits) >= allowance:
                if not stopped:
                    stopped = True
                    row_problems.append(RowProblem(number, "身份证号",
                                                   services.too_many_duplicates_message()))
            else:
                seen[resident.number] = number
                holder = services.find_by_id_number(resident.number)
                if holder is not None:
                    if services.is_foreign_duplicate(holder, by):
                        hits.append((holder.id_number_masked, holder.enterprise.name))
                    row_problems.append(RowProblem(number, "身份证号",
                                                   services.duplicate_message(holder, by)))
        found += row_problems
        if not row_problems:
            ready.append(data)
    return ready, found


def import_workers(rows: Sequence[tuple[int, dict]], enterprise, *, by,
                   progress: Callable[[int], object] | None = None) -> int:
    """Create every row's worker, or raise ImportRefused listing every problem."""
    if not rows:
        raise ImportRefused([RowProblem(1, "", str(_l("表格中没有数据行")))])
    hits: list = []
    ready, found = parse(rows, enterprise.id, by=by, hits=hits, progress=progress)
    if found:
        raise ImportRefused(found, after_rollback=(
            lambda: services.record_duplicate_hits(by, hits)) if hits else None)
    for data in ready:
        services.create_worker(data, by=by)
    audit.record("worker.import", enterprise, by=by, changes={"count": [None, len(ready)]})
    return len(ready)
