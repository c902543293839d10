"""Forms of a studio's records: achievements and their evidence, funding grants and their use.

Amounts and patent numbers are plain text fields: the services parse them exactly and say
what is wrong, and the form keeps what was typed.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from core.form_fields import MultiCheckboxField
from core.forms import VersionedForm
from core.timeutil import beijing_today
from core.uploads import megabytes
from innovation_studios.achievements.amounts import InvalidAmount, parse_amount
from innovation_studios.achievements.funding import MAX_YEARS, PURPOSE_MAX, SOURCE_MAX
from innovation_studios.achievements.models import AchievementKind, PatentStatus
from innovation_studios.achievements.patents import InvalidPatentNumber, check_patent_number
from innovation_studios.achievements.services import DESCRIPTION_MAX, ISSUER_MAX, TITLE_MAX


def _check_amount(field, label, *, positive: bool = False) -> None:
    """The amount rule of the services, checked with the other fields so that every mistake
    shows at once (the services check again)."""
    try:
        parse_amount(field.data, label=label, positive=positive)
    except InvalidAmount as error:
        raise ValidationError(str(error)) from None


#: What the file picker offers; the server still checks the content.
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def _describe_limits(field) -> None:
    config = current_app.config
    field.description = _l("PDF、JPG 或 PNG，单个文件不超过 %(file)s，每项成果合计不超过 %(total)s",
                           file=megabytes(config["UPLOAD_MAX_FILE_BYTES"]),
                           total=megabytes(config["UPLOAD_MAX_TOTAL_BYTES"]))


class AchievementForm(VersionedForm):
    kind = SelectField(_l("成果类别"), choices=[], validators=[InputRequired(_l("请选择成果类别"))])
    title = StringField(_l("成果名称"), validators=[
        DataRequired(_l("请填写成果名称")),
        Length(max=TITLE_MAX, message=_l("成果名称不能超过 %(max)d 个字"))],
        description=_l("如：数控车床主轴快速找正装置；一种管道焊缝自动检测方法"))
    achieved_on = DateField(_l("取得日期"), validators=[InputRequired(_l("请填写取得日期"))],
                            description=_l("专利填授权或受理日期，论文填发表日期，奖项填颁奖日期"))
    patent_number = StringField(_l("专利号（仅专利填写）"), validators=[Optional(), Length(max=40)],
                                description=_l("如 ZL201710601862.3；可带或不带 ZL、空格和小数点，系统核对校验位"))
    patent_status = SelectField(_l("专利状态（仅专利填写）"), choices=[], default="")
    issuer = StringField(_l("发布、授予或采纳单位"), validators=[
        Optional(), Length(max=ISSUER_MAX, message=_l("不能超过 %(max)d 个字"))],
        description=_l("论文填期刊名称，标准填发布机构和标准号，奖项填颁奖单位，合理化建议填采纳部门"))
    economic_benefit = StringField(_l("经济效益（万元）"), validators=[Optional(), Length(max=40)],
                                   description=_l("可不填；填写数字，单位万元，如 12.5（最多 4 位小数，即精确到元）"))
    member_ids = MultiCheckboxField(_l("参与成员"), coerce=int, choices=[])
    description = TextAreaField(_l("说明"), validators=[
        Optional(), Length(max=DESCRIPTION_MAX, message=_l("说明不能超过 %(max)d 个字"))],
        render_kw={"rows": 3})
    file = FileField(_l("证明材料"), render_kw={"accept": ACCEPT})
    submit = SubmitField(_l("保存"))

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", _l("请选择"))] + [(k.value, k.label) for k in AchievementKind]
        self.patent_status.choices = [("", _l("（非专利不填）"))] + [(s.value, s.label) for s in PatentStatus]
        self.member_ids.choices = [(w.id, w.name) for w in members]
        _describe_limits(self.file)

    def validate_patent_number(self, field):
        if self.kind.data == AchievementKind.PATENT:
            try:
                check_patent_number(field.data, today=beijing_today())
            except InvalidPatentNumber as error:
                raise ValidationError(str(error)) from None

    def validate_economic_benefit(self, field):
        _check_amount(field, _l("经济效益"))


class EvidenceForm(FlaskForm):
    file = FileField(_l("证明材料文件"), render_kw={"accept": ACCEPT})
    submit = SubmitField(_l("上传"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "evidence")
        super().__init__(*args, **kwargs)
        _describe_limits(self.file)


class GrantForm(FlaskForm):
    """The administrator's grant: one year, or the same amount for several years in a row."""

    year = IntegerField(_l("拨付年度（首年）"), validators=[InputRequired(_l("请填写拨付年度"))])
    years = IntegerField(_l("连续拨付年数"), default=1, validators=[
        InputRequired(_l("请填写年数")), NumberRange(min=1, max=MAX_YEARS, message=_l("应为 1 至 %(max)s 年"))],
        description=_l("如工匠创新工作室每年 10 万元、连续 3 年，填 3"))
    amount = StringField(_l("每年金额（万元）"), validators=[DataRequired(_l("请填写金额")), Length(max=40)])
    source = StringField(_l("经费来源"), validators=[
        DataRequired(_l("请填写经费来源")), Length(max=SOURCE_MAX, message=_l("不能超过 %(max)d 个字"))],
        description=_l("如：北京市总工会工匠创新工作室补助"))
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=1000)], render_kw={"rows": 2})
    submit = SubmitField(_l("登记经费"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "grant")
        super().__init__(*args, **kwargs)

    def validate_amount(self, field):
        _check_amount(field, _l("每年金额"), positive=True)


class UseForm(FlaskForm):
    """Money spent out of one grant (the form's prefix names the grant)."""

    used_on = DateField(_l("使用日期"), validators=[InputRequired(_l("请填写使用日期"))])
    amount = StringField(_l("金额（万元）"), validators=[DataRequired(_l("请填写金额")), Length(max=40)])
    purpose = StringField(_l("用途"), validators=[
        DataRequired(_l("请填写用途")), Length(max=PURPOSE_MAX, message=_l("不能超过 %(max)d 个字"))],
        description=_l("如：购置三坐标测量仪；举办技能培训班"))
    submit = SubmitField(_l("登记使用"))

    def validate_amount(self, field):
        _check_amount(field, _l("使用金额"), positive=True)
