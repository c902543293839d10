"""Forms of an expert review, shared by every feature with a panel: the panel's members and
lead, the score sheet, conflict declarations and the lead's decisions on flagged subjects.

A feature words :class:`PanelForm` and :class:`ConflictForm` for its subjects (a nomination,
an application) through its :class:`~core.review_panels.views.ReviewPages`; marks are typed as
text and checked by the engine (Decimal, in range).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.accounts.forms import MultiCheckboxField
from core.review_panels.scoring import Rubric

#: Score-sheet fields are named ``mark_<criterion key>`` so a key never clashes with the form's own names.
MARK_PREFIX = "mark_"


class PanelForm(FlaskForm):
    """The panel's experts and lead. ``overlaps`` counts, per employer, the subjects its experts
    must stay away from; ``overlap_note(count)`` words that count after the expert's name."""

    members = MultiCheckboxField(_l("评审专家"), coerce=int, choices=[],
                                 description=_l("建议 5 人以上：5 份及以上评分时去掉一个最高分和一个最低分"))
    lead_user_id = SelectField(_l("评审组长"), coerce=int, choices=[],
                               description=_l("组长须是评审组成员，负责处理评分分歧"))
    deadline = DateField(_l("评分截止日期"), validators=[Optional()],
                         description=_l("专家须在这一天（含）之前提交评分；显示在专家的工作台上，可不填"))
    submit = SubmitField(_l("保存评审组"))

    def __init__(self, *args, experts=(), overlaps=None, overlap_note=None, **kwargs):
        super().__init__(*args, **kwargs)
        overlaps = overlaps or {}
        self.overlap_note = overlap_note or (lambda count: _l("，回避本单位 %(n)s 个评审对象", n=count))
        self.members.choices = [(u.id, self._expert_label(u, overlaps)) for u in experts]
        self.lead_user_id.choices = [(0, "—")] + [(u.id, u.display_name) for u in experts]

    def _expert_label(self, user, overlaps) -> str:
        label = user.display_name
        if user.employer is not None:
            label += f"（{user.employer.name}）"
            count = overlaps.get(user.employer_id, 0)
            if count:
                label += str(self.overlap_note(count))
        return label


class SheetFormBase(FlaskForm):
    comment = TextAreaField(_l("评语（可不填）"), validators=[Optional(), Length(max=2000)],
                            render_kw={"rows": 3})
    save_draft = SubmitField(_l("保存草稿"))
    submit_sheet = SubmitField(_l("提交评分"))


def sheet_form(rubric: Rubric, *args, **kwargs) -> SheetFormBase:
    """A score sheet with one large decimal input per criterion of ``rubric``."""

    class SheetForm(SheetFormBase):
        pass

    for criterion in rubric.criteria:
        setattr(SheetForm, MARK_PREFIX + criterion.key, StringField(
            criterion.name,
            description=_l("权重 %(weight)s%%，评分 0 到 %(max)s，最多两位小数",
                           weight=criterion.weight, max=rubric.max_score),
            render_kw={"inputmode": "decimal", "autocomplete": "off", "enterkeyhint": "next"}))
    return SheetForm(*args, **kwargs)


def sheet_data(own) -> dict:
    """The form data of a saved sheet (``own`` may be None: an empty form)."""
    if own is None:
        return {}
    data = {MARK_PREFIX + key: value for key, value in (own.marks or {}).items()}
    data["comment"] = own.comment
    return data


def typed_marks(form, rubric: Rubric) -> dict[str, str]:
    """The marks as typed, by criterion key."""
    return {c.key: form[MARK_PREFIX + c.key].data or "" for c in rubric.criteria}


class ConflictForm(FlaskForm):
    """An expert declares a conflict of interest; ``reason_description`` is an example worded
    for the feature's subjects."""

    reason = TextAreaField(_l("回避理由"), validators=[DataRequired(_l("请说明回避理由")),
                                                   Length(max=500, message=_l("回避理由不能超过 500 个字符"))],
                           render_kw={"rows": 2})
    submit = SubmitField(_l("声明回避"))

    def __init__(self, *args, reason_description="", **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.description = reason_description


class ResolveForm(FlaskForm):
    note = TextAreaField(_l("处理意见"), validators=[DataRequired(_l("请填写处理意见")), Length(max=2000)],
                         render_kw={"rows": 2},
                         description=_l("如：经评审组合议，维持各专家评分。"))
    submit = SubmitField(_l("确认评分有效"))


class ReopenForm(FlaskForm):
    expert_id = SelectField(_l("退回哪位专家的评分"), coerce=int, choices=[])
    reason = TextAreaField(_l("重新评分的理由"), validators=[DataRequired(_l("请填写重新评分的理由")),
                                                       Length(max=500)], render_kw={"rows": 2})
    submit = SubmitField(_l("退回重新评分"))

    def __init__(self, *args, sheets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.expert_id.choices = [(s.user_id, s.user.display_name) for s in sheets]
