"""Eligibility rules of a cycle, checked against a worker record. Pure: no database.

The rules are data on :class:`~craftsmen.models.SelectionCycle`; this module only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from core.people.models import SkillLevel
from craftsmen.models import CraftsmanLevel


@dataclass
class Rules:
    """A cycle's eligibility rules (also the rule fields of a cycle's form data)."""

    min_years: int | None = None
    min_skill_level: str | None = None
    min_age: int | None = None
    max_age: int | None = None
    front_line_required: bool = False
    in_post_required: bool = True
    exclude_title_holders: bool = True
    max_per_enterprise: int | None = None
    max_per_union: int | None = None

    @classmethod
    def of(cls, cycle) -> Rules:
        return cls(**{name: getattr(cycle, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Candidate:
    """What the rules look at."""

    years_in_occupation: int
    skill_level: str
    age: int
    is_front_line: bool
    in_post: bool
    occupation: str = ""  # as registered on the worker record
    #: Levels (``CraftsmanLevel`` values) of the craftsman titles the person holds, not revoked.
    titles_held: tuple[str, ...] = ()


def failures(candidate: Candidate, rules: Rules, *, enterprise_count: int = 0,
             union_counts: tuple[int, ...] = (), occupation: str | None = None,
             level: str | None = None) -> list[str]:
    """Every rule the candidate fails, as Chinese sentences (empty: eligible).

    ``enterprise_count`` and ``union_counts`` are the nominations already submitted by the
    candidate's enterprise and by each of its unions, not counting this one. ``occupation`` is
    the occupation the candidate is nominated for: the years on record count only for the
    occupation on record, so a different one fails (the record may be corrected first).
    ``level`` is the cycle's level: a title already held at that level or above fails when
    the rules exclude title holders.
    """
    problems = []
    if rules.exclude_title_holders and level is not None:
        held = [CraftsmanLevel(t) for t in candidate.titles_held
                if CraftsmanLevel(t).rank >= CraftsmanLevel(level).rank]
        if held:
            problems.append(str(_l("已获得同级或更高级别的工匠称号（%(t)s），不能再次推荐",
                                   t="、".join(str(t.label) for t in held))))
    if occupation is not None and occupation.strip() != (candidate.occupation or "").strip():
        problems.append(str(_l("被推荐工种（%(o)s）与职工登记的工种（%(w)s）不一致，从事年限无法核实",
                               o=occupation, w=candidate.occupation)))
    if rules.min_years is not None and candidate.years_in_occupation < rules.min_years:
        problems.append(str(_l("从事本工种不满 %(n)s 年（现为 %(m)s 年）", n=rules.min_years,
                               m=candidate.years_in_occupation)))
    if rules.min_skill_level:
        needed = SkillLevel(rules.min_skill_level)
        if SkillLevel(candidate.skill_level).rank < needed.rank:
            problems.append(str(_l("技能等级须达到%(level)s", level=needed.label)))
    if rules.min_age is not None and candidate.age < rules.min_age:
        problems.append(str(_l("年龄须不小于 %(n)s 周岁", n=rules.min_age)))
    if rules.max_age is not None and candidate.age > rules.max_age:
        problems.append(str(_l("年龄须不大于 %(n)s 周岁", n=rules.max_age)))
    if rules.front_line_required and not candidate.is_front_line:
        problems.append(str(_l("须为一线职工")))
    if rules.in_post_required and not candidate.in_post:
        problems.append(str(_l("须仍在岗")))
    if rules.max_per_enterprise is not None and enterprise_count >= rules.max_per_enterprise:
        problems.append(str(_l("本单位推荐名额已满（每个单位最多 %(n)s 人）",
                               n=rules.max_per_enterprise)))
    if rules.max_per_union is not None and any(c >= rules.max_per_union for c in union_counts):
        problems.append(str(_l("所属工会推荐名额已满（每个工会最多 %(n)s 人）", n=rules.max_per_union)))
    return problems


def candidate_of(worker, on: date, titles_held: tuple[str, ...] = ()) -> Candidate:
    return Candidate(years_in_occupation=worker.years_in_occupation,
                     skill_level=worker.skill_level, age=worker.age_on(on),
                     is_front_line=worker.is_front_line, in_post=worker.in_post,
                     occupation=worker.occupation, titles_held=titles_held)
