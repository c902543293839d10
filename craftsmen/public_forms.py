"""Forms of the public notice, objections, naming and revocation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from craftsmen.models import ObjectionStatus
from craftsmen.services import naming, notice


class ObjectionForm(FlaskForm):
    """Anyone's objection to a nominee on the notice. Rules are checked again by the service."""

    nomination_id = SelectField(_l("异议对象"), coerce=int, choices=[],
                                validate_choice=False,
                                validators=[InputRequired(_l("请选择异议对象"))])
    name = StringField(_l("您的姓名"), validators=[
        DataRequired(_l("请填写您的姓名")),
        Length(max=notice.NAME_MAX, message=_l("姓名不能超过 %(n)s 个字符", n=notice.NAME_MAX))],
        render_kw={"autocomplete": "name"})
    contact = StringField(_l("联系方式"), validators=[
        DataRequired(_l("请填写联系方式（手机号码或电子邮箱）")),
        Length(max=notice.CONTACT_MAX, message=_l("联系方式不能超过 %(n)s 个字符",
                                                  n=notice.CONTACT_MAX))],
        description=_l("手机号码或电子邮箱，仅用于核实，不会公开"),
        render_kw={"autocomplete": "on"})
    facts = TextAreaField(_l("事实和理由"), validators=[
        DataRequired(_l("请具体写明异议的事实和理由，至少 %(n)s 个字", n=notice.FACTS_MIN)),
        Length(min=notice.FACTS_MIN, message=_l("请具体写明异议的事实和理由，至少 %(n)s 个字",
                                                n=notice.FACTS_MIN)),
        Length(max=notice.FACTS_MAX, message=_l("事实和理由不能超过 %(n)s 个字符",
                                                n=notice.FACTS_MAX))],
        description=_l("请写明具体事实（时间、地点、经过）及可供核实的线索"),
        render_kw={"rows": 6})
    submit = SubmitField(_l("提交异议"))

    def __init__(self, *args, nominees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.nomination_id.choices = [(0, _l("请选择"))] + [
            (n.nomination_id, f"{n.name}（{n.occupation} · {n.enterprise}）") for n in nominees]


class PublishNoticeForm(FlaskForm):
    starts_on = DateField(_l("公示开始日期"), validators=[InputRequired(_l("请选择公示开始日期"))])
    days = IntegerField(_l("公示天数"), validators=[InputRequired(_l("请填写公示天数")),
                                                  NumberRange(1, 30, message=_l("公示期应为 1 到 30 天"))],
                        render_kw={"inputmode": "numeric"})
    text = TextAreaField(_l("公示说明"), validators=[
        Optional(), Length(max=notice.TEXT_MAX, message=_l("公示说明不能超过 %(n)s 个字符",
                                                           n=notice.TEXT_MAX))],
        description=_l("将显示在公示页面上，例如受理异议的单位和电话"), render_kw={"rows": 5})
    submit = SubmitField(_l("发布公示"))


class ResolveObjectionForm(FlaskForm):
    """One per open objection on the administrators' page, told apart by ``prefix``."""

    decision = SelectField(_l("处理结果"), choices=[], validators=[
        DataRequired(_l("请选择处理结果"))])
    resolution = TextAreaField(_l("处理意见"), validators=[
        Optional(), Length(max=notice.RESOLUTION_MAX, message=_l("处理意见不能超过 %(n)s 个字符",
                                                                 n=notice.RESOLUTION_MAX))],
        description=_l("认定不成立时必须写明理由"), render_kw={"rows": 3})
    submit = SubmitField(_l("保存处理结果"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = [
            ("", _l("请选择")),
            (ObjectionStatus.UPHELD.value, _l("异议成立：撤销该人选的提名")),
            (ObjectionStatus.DISMISSED.value, _l("异议不成立：维持公示名单")),
        ]


class RevokeTitleForm(FlaskForm):
    reason = TextAreaField(_l("撤销理由"), validators=[
        DataRequired(_l("请写明撤销称号的理由")),
        Length(max=naming.REASON_MAX, message=_l("撤销理由不能超过 %(n)s 个字符",
                                                 n=naming.REASON_MAX))],
        description=_l("内部记录，不对外公开；证书核验页面只显示“荣誉称号已被撤销”"),
        render_kw={"rows": 4})
    confirmed = BooleanField(_l("我已核对，确认执行（此操作不可撤回）"),
                             validators=[DataRequired(_l("请先勾选确认"))])
    submit = SubmitField(_l("撤销称号"))


class ReopenReviewForm(FlaskForm):
    reason = TextAreaField(_l("退回评审的理由"), validators=[
        DataRequired(_l("请填写退回评审的理由")), Length(max=notice.RESOLUTION_MAX)],
        render_kw={"rows": 2})
    confirmed = BooleanField(_l("我已核对，确认退回评审（公示页面将关闭）"),
                             validators=[DataRequired(_l("请先勾选确认"))])
    submit = SubmitField(_l("退回评审"))
