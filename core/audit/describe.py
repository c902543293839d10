"""The audit log in words: actions, objects and changed fields as a person reads them.

Entries store internal keys (``nomination.qualify``, ``Nomination``, ``state``); pages never
show them. Each feature registers the words for its own objects with :func:`register_object`
(core names no feature) and, where "verb + object" does not read well, whole actions with
:func:`register_actions`. Anything unregistered reads as a generic phrase, never as a key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from werkzeug.routing import BuildError

from core.i18n import chinese_date, local_datetime


@dataclass(frozen=True)
class ObjectWords:
    """How one kind of audited object reads."""

    label: object
    #: The endpoint of the object's page and the name of its id argument.
    endpoint: str | None = None
    id_arg: str = "id"
    #: {field name: label}
    fields: Mapping[str, object] = field(default_factory=dict)
    #: {field name: value -> label} for fields holding internal values (states, kinds).
    values: Mapping[str, Callable[[str], object]] = field(default_factory=dict)


#: Verbs shared by many objects ("verb + object" reads as e.g. 新建推荐 / Create nomination).
VERBS: dict[str, object] = {
    "create": _l("新建"), "update": _l("修改"), "delete": _l("删除"), "import": _l("导入"),
    "submit": _l("提交"), "resubmit": _l("重新提交"), "return": _l("退回"), "reject": _l("不通过"),
    "qualify": _l("资格审查通过"), "approve": _l("通过"), "publish": _l("公布"), "close": _l("结束"),
    "open": _l("开启"), "revoke": _l("撤销"), "replace": _l("更换"), "issue": _l("颁发"),
    "enable": _l("启用"), "disable": _l("停用"), "file": _l("提出"), "resolve": _l("处理"),
    "uphold": _l("认定成立"), "dismiss": _l("驳回"), "name": _l("命名"), "withdraw": _l("撤回"),
    "register": _l("报名"), "check_in": _l("检录"), "assign": _l("指派"), "remove": _l("移除"),
    "save": _l("保存"), "grade": _l("评定"), "decide": _l("决定"), "apply": _l("申报"),
    "reapply": _l("重新申报"), "accept": _l("审核通过"), "delist": _l("摘牌"), "report": _l("填报"),
    "correct": _l("更正"), "grant": _l("拨付"), "use": _l("登记使用"), "queue": _l("排队"),
    "resume": _l("继续"), "propose": _l("列入建议名单"), "not_propose": _l("不列入建议名单"),
    "unpropose": _l("移出建议名单"), "reset_proposal": _l("重置建议名单"), "lock": _l("锁定"),
    "dissolve": _l("解散"), "freeze": _l("冻结"), "generate": _l("生成"), "compute": _l("计算"),
    "record": _l("记录"), "flag": _l("标记"), "reflag": _l("再次标记"), "cleared": _l("解除"),
    "statement": _l("提交说明"), "members": _l("设置成员"), "rubric": _l("修改评分细则"),
    "change_password": _l("修改密码"), "reset_password": _l("重置密码"),
    "declare_conflict": _l("申报回避"), "open_nominations": _l("开始推荐"),
    "start_review": _l("开始评审"), "publish_notice": _l("发布公示"), "reopen_review": _l("重新评审"),
    "open_registration": _l("开始报名"), "start_check_in": _l("开始检录"),
    "start_scoring": _l("开始评分"), "complete_recheck": _l("完成复核"),
    "start_rectification": _l("开始整改"), "pass_rectification": _l("整改通过"),
    "start": _l("开始"), "complete": _l("完成"), "cancel": _l("取消"),
}

_OBJECTS: dict[str, ObjectWords] = {}
#: Audited class name -> the object key it is registered under.
_TYPES: dict[str, str] = {}
_ACTIONS: dict[str, object] = {}


def register_object(key: str, label, *, target_type: str | None = None, endpoint: str | None = None,
                    id_arg: str = "id", fields: Mapping | None = None,
                    values: Mapping | None = None) -> None:
    """Words for the object whose actions start with ``key.`` (and whose class is
    ``target_type``): its label, its page and its fields (a field labelled None is an
    internal reference, left out of what people read)."""
    _OBJECTS[key] = ObjectWords(label, endpoint, id_arg, dict(fields or {}), dict(values or {}))
    if target_type:
        _TYPES[target_type] = key


def register_actions(words: Mapping[str, object]) -> None:
    """Whole-action phrases, e.g. ``{"nomination.achievement_add": _l("添加推荐成果")}``."""
    _ACTIONS.update(words)


def action_label(action: str) -> str:
    """The action in words: a registered phrase, or "verb + object", or a generic phrase."""
    if action in _ACTIONS:
        return str(_ACTIONS[action])
    prefix, _dot, verb = action.partition(".")
    words = _OBJECTS.get(prefix)
    if verb in VERBS:
        if words is not None:
            return _("%(verb)s%(object)s", verb=VERBS[verb], object=words.label)
        return str(VERBS[verb])
    if words is not None:
        return _("处理%(object)s", object=words.label)
    return _("其他操作")


def type_label(target_type: str | None) -> str:
    key = _TYPES.get(target_type or "")
    return str(_OBJECTS[key].label) if key else _("其他对象")


def field_label(words: ObjectWords | None, name: str) -> str:
    if words is not None and name in words.fields:
        return str(words.fields[name])
    common = COMMON_FIELDS.get(name)
    return str(common) if common is not None else _("其他信息")


def value_label(words: ObjectWords | None, name: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if words is not None and name in words.values:
        try:
            return str(words.values[name](value))
        except (ValueError, KeyError):
            pass
    if isinstance(value, (list, dict)):
        return _("（%(n)s 项）", n=len(value))
    text = str(value)
    if ISO_DATE.fullmatch(text):
        return chinese_date(date.fromisoformat(text))
    if ISO_DATETIME.fullmatch(text):
        return local_datetime(datetime.fromisoformat(text))
    return text


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?")


#: Field names many objects share.
COMMON_FIELDS: dict[str, object] = {
    "name": _l("名称"), "title": _l("标题"), "state": _l("状态"), "status": _l("状态"),
    "description": _l("说明"), "note": _l("备注"), "reason": _l("理由"), "year": _l("年度"),
    "level": _l("级别"), "kind": _l("类别"), "enterprise_id": _l("所在企业"),
    "worker_id": _l("职工"), "occupation": _l("职业（工种）"), "mobile": _l("手机号码"),
    "id_number": _l("身份证号"), "gender": _l("性别"), "birth_date": _l("出生日期"),
    "skill_level": _l("技能等级"), "years_in_occupation": _l("从业年限"),
    "is_front_line": _l("一线职工"), "in_post": _l("在岗"), "honors": _l("荣誉"),
    "username": _l("用户名"), "display_name": _l("显示名称"), "roles": _l("角色"),
    "is_enabled": _l("启用"), "union_id": _l("所属工会"), "employer_id": _l("工作单位"),
    "uscc": _l("统一社会信用代码"), "address": _l("地址"), "contact_name": _l("联系人"),
    "contact_phone": _l("联系电话"), "district_union_id": _l("所属区总工会"),
    "industry_union_id": _l("所属产业工会"), "deadline": _l("截止日期"), "quota": _l("名额"),
    "decision_note": _l("审查意见"), "statement": _l("推荐理由"), "resolution": _l("处理结果"),
    "comment": _l("意见"), "total": _l("总分"), "value": _l("分值"), "weight": _l("权重"),
    "starts_on": _l("开始日期"), "ends_on": _l("结束日期"), "due_on": _l("完成期限"),
    "held_on": _l("比赛日期"), "venue": _l("比赛地点"), "grade": _l("等级"),
    "summary": _l("总结"), "amount": _l("金额"), "members": _l("成员"), "lead_user_id": _l("组长"),
    "rubric": _l("评分细则"), "text": _l("正文"), "version": _l("版本"),
}


@dataclass(frozen=True)
class Described:
    actor: str
    action: str
    target: str
    url: str | None
    changes: list[tuple[str, str, str]]


def _words_for_fields(entry) -> ObjectWords | None:
    """The words of the action's own object (``studio_funding.grant`` on a studio reads its
    fields as funding, not as a studio)."""
    prefix = entry.action.partition(".")[0]
    if prefix in _OBJECTS:
        return _OBJECTS[prefix]
    key = _TYPES.get(entry.target_type or "")
    return _OBJECTS.get(key) if key else None


def target_url(entry) -> str | None:
    """The page of the entry's object, when it has one."""
    key = _TYPES.get(entry.target_type or "")
    words = _OBJECTS.get(key) if key else None
    if words is None or words.endpoint is None or entry.target_id is None:
        return None
    try:
        return url_for(words.endpoint, **{words.id_arg: entry.target_id})
    except BuildError:
        return None


def describe(entry) -> Described:
    """An audit entry in words, with a link to its object where it has a page."""
    words = _words_for_fields(entry)
    changes = []
    for name, pair in (entry.changes or {}).items():
        if words is not None and name in words.fields and words.fields[name] is None:
            continue  # an internal reference nobody reads
        old, new = (list(pair) + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        changes.append((field_label(words, name), value_label(words, name, old),
                        value_label(words, name, new)))
    target = entry.target_label or type_label(entry.target_type)
    actor = _("系统") if entry.actor_name == "system" else entry.actor_name
    return Described(actor, action_label(entry.action), target, target_url(entry), changes)


def _register_core_words() -> None:
    from core.people.models import SkillLevel
    from core.roles import Role

    register_object(
        "account", lazy_pgettext("audit", "账号"), target_type="User", endpoint="accounts.edit",
                    id_arg="user_id", fields={"roles": _l("角色")},
                    values={"roles": lambda v: "、".join(str(Role(r).label) for r in v)})
    register_object(
        "enterprise", lazy_pgettext("audit", "企业"), target_type="Enterprise",
                    endpoint="organizations.enterprise", id_arg="enterprise_id")
    register_object(
        "worker", lazy_pgettext("audit", "职工"), target_type="Worker", endpoint="people.detail",
                    id_arg="worker_id", fields={"id_number_masked": _l("身份证号")},
                    values={"skill_level": lambda v: SkillLevel(v).label,
                            "gender": lambda v: {"male": _l("男"), "female": _l("女")}[v]})
    register_object(
        "panel", lazy_pgettext("audit", "评审组"), target_type="ReviewPanel",
                    fields={"subject": _l("评审对象")})
    register_object(
        "api_token", lazy_pgettext("audit", "API 令牌"))
    register_actions({"panel.submit_score": _l("提交评分"), "panel.reopen_score": _l("退回重评"),
                      "panel.resolve_disagreement": _l("处理评分分歧"),
                      "panel.declare_conflict": _l("申报回避"),
                      "panel.deadline": _l("设置评分截止日期")})


def init_app(app) -> None:
    _register_core_words()
    app.jinja_env.globals["describe_entry"] = describe
    app.jinja_env.globals["audit_action_label"] = action_label
    app.jinja_env.globals["audit_type_label"] = type_label
