"""Forms of the competition road."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from competitions.forms import EventScheduleFields
from core import form_fields as fields
from craftsmen.models import ReviewMethod


class RouteForm(FlaskForm):
    method = fields.SelectField(_l("选拔方式"), choices=[])
    competition_weight = fields.DecimalField(_l("竞赛成绩权重（%）"), places=2, validators=[fields.Optional()],
                                             description=_l("仅“竞赛与评审组合”：两项权重之和须为 100，如 70 与 30"))
    panel_weight = fields.DecimalField(_l("专家评审权重（%）"), places=2, validators=[fields.Optional()])
    advance_top_n = fields.IntegerField(_l("挑战者晋级人数"), validators=[fields.InputRequired(_l("请填写晋级人数"))],
                                        description=_l("挑战者选拔赛前 N 名进入终极挑战赛（并列同进）"))
    advance_min_score = fields.DecimalField(_l("晋级最低分"), places=2, validators=[fields.Optional()],
                                            description=_l("不填则不设最低分"))
    list_min_score = fields.DecimalField(_l("列入建议名单的最低分"), places=2, validators=[fields.Optional()],
                                         description=_l("按本路线的 0–100 分计；不填则不设最低分"))
    submit = fields.SubmitField(_l("保存选拔路线"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.method.choices = [(m.value, m.label) for m in ReviewMethod]


class FundingForm(FlaskForm):
    studio_funding_per_year = fields.DecimalField(_l("工匠创新工作室资助（万元/年）"), places=2,
                                                  validators=[fields.Optional()])
    studio_funding_years = fields.IntegerField(_l("资助年数"), validators=[fields.Optional()])
    submit = fields.SubmitField(_l("保存资助计划"))


class ArbitratorsForm(FlaskForm):
    members = fields.MultiCheckboxField(_l("专家仲裁组成员"), coerce=int, choices=[])
    submit = fields.SubmitField(_l("保存仲裁组"))


class CommitteeForm(FlaskForm):
    members = fields.MultiCheckboxField(_l("种子选手遴选专家委员会"), coerce=int, choices=[],
                                        description=_l("至少 3 位评审专家；由委员会成员投票选定种子选手，管理员不投票"))
    submit = fields.SubmitField(_l("保存专家委员会"))


class SeedVoteForm(FlaskForm):
    """A committee member's support for one nominee (one form per nominee: give it a prefix)."""

    reason = fields.TextAreaField(_l("推荐理由"), render_kw={"rows": 2},
                                  validators=[fields.Optional(), fields.Length(max=1000)],
                                  description=_l("第一位推荐者须写明理由；其他成员可补充意见"))
    submit = fields.SubmitField(_l("支持列为种子选手"))


class StageForm(EventScheduleFields):
    """A stage of the competition road: the competition event it opens."""

    quota_per_enterprise = fields.IntegerField(_l("每个单位限报人数"), default=2,
                                               validators=[fields.InputRequired(), fields.NumberRange(min=1, max=100)])
    submit = fields.SubmitField(_l("创建并开放报名"))


class GenerateForm(FlaskForm):
    accept_boundary_tie = fields.BooleanField(_l("名额线上出现并列时，并列者全部列入建议名单（超出名额）"))
    submit = fields.SubmitField(_l("按竞赛结果生成建议名单"))


class ChallengerForm(FlaskForm):
    worker_id = fields.SelectField(_l("挑战者"), coerce=int, choices=[],
                                   validators=[fields.InputRequired(_l("请选择职工"))])
    submit = fields.SubmitField(_l("报名挑战者选拔赛"))


class TitleStudioForm(FlaskForm):
    """A Beijing Grand Craftsman's studio, prefilled from the title and the cycle's funding plan."""

    name = fields.StringField(_l("工作室名称"),
                              validators=[fields.DataRequired(_l("请填写工作室名称")), fields.Length(max=100)])
    field = fields.StringField(_l("专业领域"), validators=[fields.Optional(), fields.Length(max=64)])
    named_on = fields.DateField(_l("命名日期"), validators=[fields.InputRequired(_l("请填写命名日期"))])
    funding_per_year = fields.DecimalField(_l("资助金额（万元/年）"), places=2, validators=[fields.Optional()])
    funding_years = fields.IntegerField(_l("资助年数"),
                                        validators=[fields.Optional(), fields.NumberRange(min=1, max=10)])
    funding_from = fields.IntegerField(_l("起始年度"), validators=[fields.Optional()])
    submit = fields.SubmitField(_l("设立并命名工匠创新工作室"))
