"""Administrator forms: competitions, events with their rules, and the marking scheme."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from competitions.models import ASPECT_KIND_LABELS, MODULE_KIND_LABELS, AspectKind, ModuleKind
from core import form_fields as fields
from core.forms import VersionedForm
from core.people.models import SkillLevel

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
    title = fields.StringField(_l("竞赛名称"),
                               validators=[fields.DataRequired(_l("请填写竞赛名称")), fields.Length(max=100)],
                               description=_l("如：2026年北京市职工职业技能大赛"))
    year = fields.IntegerField(_l("年度"),
                               validators=[fields.InputRequired(_l("请填写年度")), fields.NumberRange(2000, 2100)],
                               render_kw=fields.NUMERIC)
    organizer = fields.StringField(_l("主办单位"), default="北京市总工会", validators=[fields.Length(max=100)])
    starts_on = fields.DateField(_l("开始日期"), validators=[fields.Optional()])
    ends_on = fields.DateField(_l("结束日期"), validators=[fields.Optional()])
    description = fields.TextAreaField(_l("说明"), validators=[fields.Optional(), fields.Length(max=5000)],
                                       render_kw={"rows": 4})
    submit = fields.SubmitField(_l("保存"))


class EventScheduleFields(FlaskForm):
    """Where and when an event is held, and when its registration opens and closes: also the
    fields of the selection route's stage, which opens a competition event."""

    venue = fields.StringField(_l("比赛地点"),
                               validators=[fields.DataRequired(_l("请填写比赛地点")), fields.Length(max=200)])
    held_on = fields.DateField(_l("比赛日期"), validators=[fields.InputRequired(_l("请填写比赛日期"))])
    registration_opens = fields.BeijingDateTimeField(_l("报名开始（北京时间）"),
                                                     validators=[fields.InputRequired(_l("请填写报名开始时间"))])
    registration_closes = fields.BeijingDateTimeField(_l("报名截止（北京时间）"),
                                                      validators=[fields.InputRequired(_l("请填写报名截止时间"))])


class EventForm(VersionedForm, EventScheduleFields):
    occupation = fields.StringField(_l("赛项（工种）"),
                                    validators=[fields.DataRequired(_l("请填写赛项（工种）")), fields.Length(max=64)],
                                    description=_l("每个工种一个赛项，如：钳工"))
    occupation_code = fields.StringField(_l("职业编码"), validators=[fields.Optional(), fields.Length(max=16)],
                                         description=_l("如：6-18-01-07"))
    min_skill_level = fields.SelectField(_l("最低技能等级"), choices=[])
    min_age = fields.IntegerField(_l("最小年龄"), validators=[fields.Optional(), fields.NumberRange(16, 70)],
                                  render_kw=fields.NUMERIC)
    max_age = fields.IntegerField(_l("最大年龄"), validators=[fields.Optional(), fields.NumberRange(16, 70)],
                                  render_kw=fields.NUMERIC)
    quota_per_enterprise = fields.IntegerField(_l("每个企业限报人数"), default=2,
                                               validators=[fields.InputRequired(_l("请填写名额")),
                                                           fields.NumberRange(1, 100)],
                                               render_kw=fields.NUMERIC)
    theory_weight_cap = fields.DecimalField(_l("理论模块权重上限"), default=Decimal(30), places=2,
                                            validators=[fields.InputRequired(_l("请填写上限")),
                                                        fields.NumberRange(0, 30)],
                                            description=_l("理论知识模块的权重合计不得超过此值（最多 30）"),
                                            render_kw=fields.DECIMAL)
    first_prize_percent = fields.DecimalField(_l("一等奖比例（%）"), default=Decimal(10), places=2,
                                              validators=[fields.InputRequired(_l("请填写比例")),
                                                          fields.NumberRange(0, 100)],
                                              render_kw=fields.DECIMAL)
    second_prize_percent = fields.DecimalField(_l("二等奖比例（%）"), default=Decimal(20), places=2,
                                               validators=[fields.InputRequired(_l("请填写比例")),
                                                           fields.NumberRange(0, 100)],
                                               render_kw=fields.DECIMAL)
    third_prize_percent = fields.DecimalField(_l("三等奖比例（%）"), default=Decimal(30), places=2,
                                              validators=[fields.InputRequired(_l("请填写比例")),
                                                          fields.NumberRange(0, 100)],
                                              render_kw=fields.DECIMAL)
    tie_break = fields.SelectField(_l("总分相同时"), choices=[], default="practical")
    promotion_top_n = fields.IntegerField(_l("前几名可推荐晋升技能等级"),
                                          validators=[fields.Optional(), fields.NumberRange(1, 1000)],
                                          render_kw=fields.NUMERIC)
    title_top_n = fields.IntegerField(_l("前几名可推荐荣誉称号"),
                                      validators=[fields.Optional(), fields.NumberRange(1, 1000)],
                                      render_kw=fields.NUMERIC)
    appeal_window_minutes = fields.IntegerField(_l("申诉期（分钟）"), default=120,
                                                validators=[fields.InputRequired(_l("请填写申诉期")),
                                                            fields.NumberRange(1, 1440)],
                                                description=_l("成绩公布后，参赛企业可在此时间内提出申诉"),
                                                render_kw=fields.NUMERIC)
    submit = fields.SubmitField(_l("保存"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.min_skill_level.choices = [("", _l("不限"))] + [(s.value, s.label) for s in SkillLevel]
        self.tie_break.choices = list(TIE_BREAK_CHOICES)


class ModuleForm(FlaskForm):
    name = fields.StringField(_l("模块名称"),
                              validators=[fields.DataRequired(_l("请填写模块名称")), fields.Length(max=64)],
                              description=_l("如：理论知识、技能操作、答辩"))
    kind = fields.SelectField(_l("模块类型"), choices=[])
    weight = fields.DecimalField(_l("权重"), places=2,
                                 validators=[fields.InputRequired(_l("请填写权重")),
                                             fields.NumberRange(Decimal("0.01"), 100)],
                                 description=_l("各模块权重之和为 100；理论模块合计不超过上限"),
                                 render_kw=fields.DECIMAL)
    submit = fields.SubmitField(_l("保存"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, MODULE_KIND_LABELS[k]) for k in ModuleKind]


class CriterionForm(FlaskForm):
    name = fields.StringField(_l("评分项"),
                              validators=[fields.DataRequired(_l("请填写评分项")), fields.Length(max=100)],
                              description=_l("如：零件加工、工艺与规范"))
    submit = fields.SubmitField(_l("保存"))


class AspectForm(FlaskForm):
    name = fields.StringField(_l("评分细项"),
                              validators=[fields.DataRequired(_l("请填写评分细项")), fields.Length(max=200)])
    kind = fields.SelectField(_l("类型"), choices=[],
                              description=_l("测量：按标准打一个分数；"
                                             "评价：每名裁判打 0、1、2、3 分，得分 = 满分 × 平均分 ÷ 3"))
    max_mark = fields.DecimalField(_l("满分"), places=2,
                                   validators=[fields.InputRequired(_l("请填写满分")),
                                               fields.NumberRange(Decimal("0.01"), 1000)],
                                   render_kw=fields.DECIMAL)
    step = fields.DecimalField(_l("步长（仅测量类，可不填）"), places=2, validators=[fields.Optional()],
                               description=_l("如 0.5：分数只能是 0.5 的整数倍；满分须为步长的整数倍"),
                               render_kw=fields.DECIMAL)
    unit = fields.StringField(_l("计量单位（仅测量类，可不填）"), validators=[fields.Optional(), fields.Length(max=16)],
                              description=_l("所测量的单位，如 mm、s、个；裁判评分时可见"))
    submit = fields.SubmitField(_l("保存"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, ASPECT_KIND_LABELS[k]) for k in AspectKind]


class SchemeImportForm(FlaskForm):
    file = fields.FileField(_l("Excel 文件（.xlsx）"), validators=[
        fields.FileRequired(_l("请选择要导入的文件")),
        fields.FileAllowed(["xlsx"], _l("请上传 .xlsx 格式的 Excel 文件"))])
    submit = fields.SubmitField(_l("导入"))
