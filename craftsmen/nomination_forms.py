"""Forms of the nomination pages: start a nomination, edit the draft, achievements, evidence
files, submission and the reviewer's decision."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from core.forms import VersionedForm
from craftsmen.models import AchievementKind
from craftsmen.services.nominations import REASON_MAX, STATEMENT_MAX
from craftsmen.uploads import megabytes

#: What the file picker offers; the server still checks the content.
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def _file_field(label):
    return FileField(label, render_kw={"accept": ACCEPT})


def _describe_limits(field) -> None:
    """The limits in force, in the words people read next to the file picker."""
    config = current_app.config
    field.description = _l("PDF、JPG 或 PNG，单个文件不超过 %(file)s，每份推荐合计不超过 %(total)s",
                           file=megabytes(config["UPLOAD_MAX_FILE_BYTES"]),
                           total=megabytes(config["UPLOAD_MAX_TOTAL_BYTES"]))


class NominateForm(FlaskForm):
    """One row of the candidate list: this worker, this occupation, in this cycle."""

    cycle_id = HiddenField()
    worker_id = HiddenField()
    occupation_id = SelectField(_l("推荐工种"), coerce=int, choices=[],
                                validators=[InputRequired(_l("请选择工种"))])
    submit = SubmitField(_l("推荐"))

    def __init__(self, *args, occupations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.occupation_id.choices = [(o.id, o.name) for o in occupations]


class DraftForm(VersionedForm):
    occupation_id = SelectField(_l("推荐工种"), coerce=int, choices=[],
                                validators=[InputRequired(_l("请选择工种"))])
    statement = TextAreaField(
        _l("个人陈述"), validators=[Length(max=STATEMENT_MAX, message=_l(
            "个人陈述不能超过 %(max)d 个字"))],
        description=_l("介绍被推荐人的技艺专长、创新成果、贡献价值和传帮带情况，不超过 %(n)s 个字",
                       n=STATEMENT_MAX),
        render_kw={"rows": 10})
    submit = SubmitField(_l("保存草稿"))

    def __init__(self, *args, occupations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.occupation_id.choices = [(o.id, o.name) for o in occupations]


class AchievementForm(FlaskForm):
    kind = SelectField(_l("成果类别"), choices=[])
    title = StringField(_l("成果名称"), validators=[
        DataRequired(_l("请填写成果名称")), Length(max=200, message=_l("成果名称不能超过 200 个字"))],
        description=_l("如：2023年北京市职工职业技能大赛钳工决赛一等奖；专利号 ZL202310000001.2"))
    achieved_on = DateField(_l("取得日期"), validators=[InputRequired(_l("请填写取得日期"))])
    description = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)],
                                render_kw={"rows": 3})
    attachment_id = SelectField(_l("证明材料（已上传的附件）"), coerce=int, choices=[], default=0)
    file = _file_field(_l("或上传新的证明材料"))
    publishable = BooleanField(_l("命名后可在工匠名录中公开"), default=True)
    submit = SubmitField(_l("添加成果"))

    def __init__(self, *args, attachments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, k.label) for k in AchievementKind]
        self.attachment_id.choices = [(0, _l("（不选，或在下方上传）"))] + [
            (a.id, a.original_name) for a in attachments]
        _describe_limits(self.file)


class AttachmentForm(FlaskForm):
    """Shares the page with the achievement form: the prefix keeps field ids unique."""

    file = _file_field(_l("证明材料文件"))
    submit = SubmitField(_l("上传"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "attachment")
        super().__init__(*args, **kwargs)
        _describe_limits(self.file)


class SubmitNominationForm(VersionedForm):
    submit = SubmitField(_l("提交推荐"))


class DeleteDraftForm(VersionedForm):
    submit = SubmitField(_l("删除草稿"))


class DecisionForm(VersionedForm):
    """The reviewer's qualification decision; a reason is required to return or reject."""

    reason = TextAreaField(
        _l("审查意见"), validators=[Optional(), Length(max=REASON_MAX, message=_l(
            "理由不能超过 %(max)d 个字"))],
        description=_l("退回修改或不予通过时必填，推荐单位和被推荐人都能看到"),
        render_kw={"rows": 4})
    qualify = SubmitField(_l("通过，入人才库"))
    return_ = SubmitField(_l("退回修改"), name="return")
    reject = SubmitField(_l("不予通过"))

    @property
    def decision(self) -> str:
        """Which button was pressed: qualify, return or reject (empty: none)."""
        pressed = {"qualify": self.qualify.data, "return": self.return_.data,
                   "reject": self.reject.data}
        return next((name for name, data in pressed.items() if data), "")
