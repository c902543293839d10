"""The selection-cycle form. Occupations and the rubric are typed (or pasted from Excel)
one per line, so a clerk can copy them from a spreadsheet."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from core import form_fields as fields
from core.forms import VersionedForm
from core.people.models import SkillLevel
from craftsmen.models import CraftsmanLevel, ReviewMethod
from craftsmen.services.cycles import OccupationData

_SPLIT = re.compile(r"[,，\t]+")
METHOD_WORDS = {"综合评审": ReviewMethod.COMPREHENSIVE.value, "竞赛选拔": ReviewMethod.COMPETITION.value,
                "竞赛": ReviewMethod.COMPETITION.value, "comprehensive": ReviewMethod.COMPREHENSIVE.value,
                "competition": ReviewMethod.COMPETITION.value, "竞赛与评审组合": ReviewMethod.COMBINED.value,
                "组合比评": ReviewMethod.COMBINED.value, "combined": ReviewMethod.COMBINED.value}


class LineError(ValueError):
    """A typed line that cannot be read; the message names the line."""


def parse_occupations(text: str) -> list[OccupationData]:
    """Lines of ``工种, 名额[, 评审方式][, 职业编码]``; every bad line is reported at once."""
    result, problems = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in _SPLIT.split(line.strip())]
        if len(parts) < 2 or not parts[1].isdigit() or int(parts[1]) < 1:
            problems.append(str(_l("第 %(n)s 行：应为“工种, 名额[, 评审方式][, 职业编码]”，名额为正整数",
                                   n=number)))
            continue
        method = ReviewMethod.COMPREHENSIVE.value
        if len(parts) > 2 and parts[2]:
            if parts[2] not in METHOD_WORDS:
                problems.append(str(_l("第 %(n)s 行：评审方式应为“综合评审”“竞赛选拔”或“竞赛与评审组合”", n=number)))
                continue
            method = METHOD_WORDS[parts[2]]
        result.append(OccupationData(name=parts[0][:64], quota=int(parts[1]), method=method,
                                     code=parts[3][:16] if len(parts) > 3 else ""))
    if problems:
        raise LineError("；".join(problems))
    return result


def format_occupations(occupations) -> str:
    labels = {m.value: w for w, m in (("综合评审", ReviewMethod.COMPREHENSIVE),
                                      ("竞赛选拔", ReviewMethod.COMPETITION),
                                      ("竞赛与评审组合", ReviewMethod.COMBINED))}
    return "\n".join(", ".join(filter(None, [o.name, str(o.quota), labels[o.method], o.code]))
                     for o in occupations)


def parse_rubric(text: str, previous: dict | None = None) -> dict:
    """Lines of ``指标名称, 权重``; keys of criteria that keep their name are kept."""
    keys = {c["name"]: c["key"] for c in (previous or {}).get("criteria", [])}
    criteria, problems = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in _SPLIT.split(line.strip())]
        try:
            weight = Decimal(parts[1]) if len(parts) == 2 else None
        except InvalidOperation:
            weight = None
        if weight is None or not weight.is_finite():
            problems.append(str(_l("第 %(n)s 行：应为“指标名称, 权重”", n=number)))
            continue
        key = keys.get(parts[0]) or f"c{len(criteria) + 1}"
        while any(c["key"] == key for c in criteria):
            key += "x"
        criteria.append({"key": key, "name": parts[0][:50], "weight": str(weight)})
    if problems:
        raise LineError("；".join(problems))
    return {"max_score": str((previous or {}).get("max_score", "100")), "criteria": criteria}


def format_rubric(rubric: dict) -> str:
    return "\n".join(f"{c['name']}, {c['weight']}" for c in rubric.get("criteria", []))


class CycleForm(VersionedForm):
    title = fields.StringField(_l("周期名称"),
                               validators=[fields.DataRequired(_l("请填写周期名称")), fields.Length(max=100)],
                               description=_l("如：第四届北京大工匠选树"))
    level = fields.SelectField(_l("级别"), choices=[])
    organizer_union_id = fields.SelectField(_l("主办工会（区级、产业工匠）"), coerce=int, choices=[])
    year = fields.IntegerField(_l("年度"),
                               validators=[fields.InputRequired(_l("请填写年度")), fields.NumberRange(2000, 2100)])
    nomination_opens = fields.BeijingDateTimeField(_l("推荐开始（北京时间）"),
                                                   validators=[fields.InputRequired(_l("请填写推荐开始时间"))])
    nomination_closes = fields.BeijingDateTimeField(_l("推荐截止（北京时间）"),
                                                    validators=[fields.InputRequired(_l("请填写推荐截止时间"))])
    notice_days = fields.IntegerField(_l("公示天数"), default=7, validators=[fields.NumberRange(1, 30)])
    occupations = fields.TextAreaField(
        _l("工种与名额"), validators=[fields.DataRequired(_l("请填写工种"))],
        description=_l("每行一个：工种, 名额[, 综合评审|竞赛选拔][, 职业编码]；可从 Excel 直接粘贴"),
        render_kw={"rows": 6})
    min_years = fields.IntegerField(_l("从事本工种最少年限"), validators=[fields.Optional(), fields.NumberRange(0, 60)])
    min_skill_level = fields.SelectField(_l("最低技能等级"), choices=[])
    min_age = fields.IntegerField(_l("最小年龄"), validators=[fields.Optional(), fields.NumberRange(16, 80)])
    max_age = fields.IntegerField(_l("最大年龄"), validators=[fields.Optional(), fields.NumberRange(16, 80)])
    front_line_required = fields.BooleanField(_l("须为一线职工"))
    in_post_required = fields.BooleanField(_l("须仍在岗"), default=True)
    exclude_title_holders = fields.BooleanField(_l("已获同级或更高级别工匠称号者不再推荐"), default=True)
    max_per_enterprise = fields.IntegerField(_l("每个单位最多推荐人数"),
                                             validators=[fields.Optional(), fields.NumberRange(1, 1000)])
    max_per_union = fields.IntegerField(_l("每个工会最多推荐人数"),
                                        validators=[fields.Optional(), fields.NumberRange(1, 10000)])
    rubric = fields.TextAreaField(_l("专家评分指标与权重"), validators=[fields.DataRequired(_l("请填写评分指标"))],
                                  description=_l("每行一个：指标名称, 权重；权重之和为 100，每项按百分制打分"),
                                  render_kw={"rows": 5})
    disagreement_threshold = fields.DecimalField(
        _l("分歧阈值（分）"), default=Decimal(15), places=2,
        validators=[fields.InputRequired(_l("请填写分歧阈值")), fields.NumberRange(Decimal("0.01"), Decimal(100))],
        description=_l("专家总分最高与最低相差超过此值时提请评审组长处理"),
        render_kw=fields.DECIMAL)
    description = fields.TextAreaField(_l("说明"), validators=[fields.Optional(), fields.Length(max=5000)])
    submit = fields.SubmitField(_l("保存"))

    def __init__(self, *args, unions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.level.choices = [(lv.value, lv.label) for lv in CraftsmanLevel]
        self.organizer_union_id.choices = [(0, "—")] + [(u.id, u.name) for u in unions]
        self.min_skill_level.choices = [("", _l("不限"))] + [(s.value, s.label) for s in SkillLevel]
