"""Forms: an indicator's target and baseline, a reported value, and a correction."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.forms import VersionedForm
from indicators.services import EARLIEST_YEAR, LATEST_YEAR, IndicatorData

_YEARS = NumberRange(EARLIEST_YEAR, LATEST_YEAR, message=_l("年份应在 %(min)s 至 %(max)s 之间"))
_NON_NEGATIVE = NumberRange(min=0, message=_l("数值不能为负数"))


class IndicatorForm(VersionedForm):
    target = DecimalField(_l("目标值"), places=None, validators=[Optional(), _NON_NEGATIVE],
                          description=_l("留空表示目标值尚待核定；百分比指标填写 0—100 之间的数"))
    target_year = IntegerField(_l("目标年份"), validators=[InputRequired(_l("请填写目标年份")), _YEARS])
    baseline = DecimalField(_l("基期值"), places=None, validators=[Optional(), _NON_NEGATIVE],
                            description=_l("留空时进度按从 0 起算"))
    baseline_year = IntegerField(_l("基期年份"), validators=[Optional(), _YEARS])
    definition = TextAreaField(_l("统计口径"), validators=[Length(max=2000)])
    basis = TextAreaField(_l("目标依据"), validators=[Length(max=2000)])
    submit = SubmitField(_l("保存"))

    def data_(self) -> IndicatorData:
        return IndicatorData(target=self.target.data, target_year=self.target_year.data,
                             baseline=self.baseline.data, baseline_year=self.baseline_year.data,
                             definition=self.definition.data or "", basis=self.basis.data or "")


class ReportForm(FlaskForm):
    year = IntegerField(_l("年度"), validators=[InputRequired(_l("请填写年度")), _YEARS])
    value = DecimalField(_l("数值"), places=None,
                         validators=[InputRequired(_l("请填写数值")), _NON_NEGATIVE])
    as_of = DateField(_l("截至日期"), validators=[InputRequired(_l("请填写截至日期"))],
                      description=_l("数值所反映的日期，须在所填年度之内，例如年报填该年 12 月 31 日"))
    source_note = TextAreaField(_l("数据来源"), validators=[DataRequired(_l("请注明数据来源")), Length(max=500)],
                                description=_l("例如：2023 年度工会统计年报（市总工会组织部）"))
    submit = SubmitField(_l("提交填报"))


class CorrectionForm(FlaskForm):
    value = DecimalField(_l("更正后的数值"), places=None,
                         validators=[InputRequired(_l("请填写数值")), _NON_NEGATIVE])
    as_of = DateField(_l("截至日期"), validators=[InputRequired(_l("请填写截至日期"))])
    source_note = TextAreaField(_l("数据来源"), validators=[DataRequired(_l("请注明数据来源")), Length(max=500)])
    reason = TextAreaField(_l("更正原因"), validators=[DataRequired(_l("请说明更正原因")), Length(max=500)])
    submit = SubmitField(_l("提交更正"))
