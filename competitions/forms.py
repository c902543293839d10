"""Administrator forms: competitions, events with their rules, and the marking scheme."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    DateField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from competitions.models import ASPECT_KIND_LABELS, MODULE_KIND_LABELS, AspectKind, ModuleKind
from core.forms import VersionedForm
from core.people.models import SkillLevel

DECIMAL = {"inputmode": "decimal"}
NUMERIC = {"inputmode": "numeric"}

#: Tie-break orders offered to administrators: module kinds compared in turn, or none.
TIE_BREAK_CHOICES = (
    ("practical", _l("实操成绩高者列前，仍相同则名次并列")),
    ("practical,oral,theory", _l("依次比较实操、答辩、理论成绩，仍相同则名次并列")),
    ("theory,practical", _l("依次比较理论、实操成绩，仍相同则名次并列")),
    ("", _l("总分相同即名次并列")),
)


def tie_break_value(kinds) -> str:
    return ",".join(kinds or [])


def tie_break_kinds(value: str) -> list[str]:
    return [k for k in (value or "").split(",") if k]


class CompetitionForm(VersionedForm):
    title = StringField(_l("竞赛名称"), validators=[DataRequired(_l("请填写竞赛名称")), Length(max=100)],
                        description=_l("如：2026年北京市职工职业技能大赛"))
    year = IntegerField(_l("年度"), validators=[InputRequired(_l("请填写年度")), NumberRange(2000, 2100)],
                        render_kw=NUMERIC)
    organizer = StringField(_l("主办单位"), default="北京市总工会", validators=[Length(max=100)])
    starts_on = DateField(_l("开始日期"), validators=[Optional()])
    ends_on = DateField(_l("结束日期"), validators=[Optional()])
    description = TextAreaField(_l("说明"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 4})
    submit = SubmitField(_l("保存"))


class EventForm(VersionedForm):
    occupation = StringField(_l("赛项（工种）"), validators=[DataRequired(_l("请填写赛项（工种）")), Length(max=64)],
                             description=_l("每个工种一个赛项，如：钳工"))
    occupation_code = StringField(_l("职业编码"), validators=[Optional(), Length(max=16)],
                                  description=_l("如：6-18-01-07"))
    venue = StringField(_l("比赛地点"), validators=[DataRequired(_l("请填写比赛地点")), Length(max=200)])
    held_on = DateField(_l("比赛日期"), validators=[InputRequired(_l("请填写比赛日期"))])
    registration_opens = DateTimeLocalField(_l("报名开始（北京时间）"), format="%Y-%m-%dT%H:%M",
                                            validators=[InputRequired(_l("请填写报名开始时间"))])
    registration_closes = DateTimeLocalField(_l("报名截止（北京时间）"), format="%Y-%m-%dT%H:%M",
                                             validators=[InputRequired(_l("请填写报名截止时间"))])
    min_skill_level = SelectField(_l("最低技能等级"), choices=[])
    min_age = IntegerField(_l("最小年龄"), validators=[Optional(), NumberRange(16, 70)], render_kw=NUMERIC)
    max_age = IntegerField(_l("最大年龄"), validators=[Optional(), NumberRange(16, 70)], render_kw=NUMERIC)
    quota_per_enterprise = IntegerField(_l("每个企业限报人数"), default=2,
                                        validators=[InputRequired(_l("请填写名额")), NumberRange(1, 100)],
                                        render_kw=NUMERIC)
    theory_weight_cap = DecimalField(_l("理论模块权重上限"), default=Decimal(30), places=2,
                                     validators=[InputRequired(_l("请填写上限")), NumberRange(0, 30)],
                                     description=_l("理论知识模块的权重合计不得超过此值（最多 30）"),
                                     render_kw=DECIMAL)
    first_prize_percent = DecimalField(_l("一等奖比例（%）"), default=Decimal(10), places=2,
                                       validators=[InputRequired(_l("请填写比例")), NumberRange(0, 100)],
                                       render_kw=DECIMAL)
    second_prize_percent = DecimalField(_l("二等奖比例（%）"), default=Decimal(20), places=2,
                                        validators=[InputRequired(_l("请填写比例")), NumberRange(0, 100)],
                                        render_kw=DECIMAL)
    third_prize_percent = DecimalField(_l("三等奖比例（%）"), default=Decimal(30), places=2,
                                       validators=[InputRequired(_l("请填写比例")), NumberRange(0, 100)],
                                       render_kw=DECIMAL)
    tie_break = SelectField(_l("总分相同时"), choices=[], default="practical")
    promotion_top_n = IntegerField(_l("前几名可推荐晋升技能等级"), validators=[Optional(), NumberRange(1, 1000)],
                                   render_kw=NUMERIC)
    title_top_n = IntegerField(_l("前几名可推荐荣誉称号"), validators=[Optional(), NumberRange(1, 1000)],
                               render_kw=NUMERIC)
    appeal_window_minutes = IntegerField(_l("申诉期（分钟）"), default=120,
                                         validators=[InputRequired(_l("请填写申诉期")), NumberRange(1, 1440)],
                                         description=_l("成绩公布后，参赛企业可在此时间内提出申诉"),
                                         render_kw=NUMERIC)
    submit = SubmitField(_l("保存"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.min_skill_level.choices = [("", _l("不限"))] + [(s.value, s.label) for s in SkillLevel]
        self.tie_break.choices = list(TIE_BREAK_CHOICES)


class ModuleForm(FlaskForm):
    name = StringField(_l("模块名称"), validators=[DataRequired(_l("请填写模块名称")), Length(max=64)],
                       description=_l("如：理论知识、技能操作、答辩"))
    kind = SelectField(_l("模块类型"), choices=[])
    weight = DecimalField(_l("权重"), places=2,
                          validators=[InputRequired(_l("请填写权重")), NumberRange(Decimal("0.01"), 100)],
                          description=_l("各模块权重之和为 100；理论模块合计不超过上限"), render_kw=DECIMAL)
    submit = SubmitField(_l("保存"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, MODULE_KIND_LABELS[k]) for k in ModuleKind]


class CriterionForm(FlaskForm):
    name = StringField(_l("评分项"), validators=[DataRequired(_l("请填写评分项")), Length(max=100)],
                       description=_l("如：零件加工、工艺与规范"))
    submit = SubmitField(_l("保存"))


class AspectForm(FlaskForm):
    name = StringField(_l("评分细项"), validators=[DataRequired(_l("请填写评分细项")), Length(max=200)])
    kind = SelectField(_l("类型"), choices=[],
                       description=_l("测量：按标准打一个分数；"
                                      "评价：每名裁判打 0、1、2、3 分，得分 = 满分 × 平均分 ÷ 3"))
    max_mark = DecimalField(_l("满分"), places=2,
                            validators=[InputRequired(_l("请填写满分")), NumberRange(Decimal("0.01"), 1000)],
                            render_kw=DECIMAL)
    step = DecimalField(_l("步长（仅测量类，可不填）"), places=2, validators=[Optional()],
                        description=_l("如 0.5：分数只能是 0.5 的整数倍；满分须为步长的整数倍"), render_kw=DECIMAL)
    unit = StringField(_l("计量单位（仅测量类，可不填）"), validators=[Optional(), Length(max=16)],
                       description=_l("所测量的单位，如 mm、s、个；裁判评分时可见"))
    submit = SubmitField(_l("保存"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, ASPECT_KIND_LABELS[k]) for k in AspectKind]


class SchemeImportForm(FlaskForm):
    file = FileField(_l("Excel 文件（.xlsx）"), validators=[
        FileRequired(_l("请选择要导入的文件")),
        FileAllowed(["xlsx"], _l("请上传 .xlsx 格式的 Excel 文件"))])
    submit = SubmitField(_l("导入"))
