"""Enterprise registration and changes: validate, change, audit, flush."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.audit import services as audit
from core.errors import DomainError
from core.extensions import db
from core.organizations.models import Enterprise, Union, UnionKind
from core.search_indexes import contains_text
from core.validators import InvalidIdentifier, check_mobile, check_uscc
from core.versions import check_version

AUDITED_FIELDS = ("name", "uscc", "district_union_id", "industry_union_id", "address",
                  "contact_name", "contact_phone")
CONTACT_FIELDS = ("address", "contact_name", "contact_phone")


@dataclass
class EnterpriseData:
    name: str
    uscc: str
    district_union_id: int
    industry_union_id: int | None = None
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""


def _check_phone(value: str) -> str:
    """Contact phones may be mobiles or landlines (010-12345678)."""
    value = (value or "").strip()
    if not value:
        return ""
    digits = value.replace("-", "").replace(" ", "")
    if digits.startswith("1") and len(digits) == 11:
        try:
            return check_mobile(digits)
        except InvalidIdentifier as exc:
            raise DomainError(str(exc), field="contact_phone") from None
    if not digits.isdigit() or not 7 <= len(digits) <= 12:
        raise DomainError(_l("联系电话应为手机号或固定电话（如 010-12345678）"),
                          field="contact_phone")
    return value


def _validate(data: EnterpriseData, enterprise: Enterprise | None = None) -> None:
    data.name = (data.name or "").strip()
    if not data.name:
        raise DomainError(_l("请填写企业名称"), field="name")
    try:
        data.uscc = check_uscc(data.uscc)
    except InvalidIdentifier as exc:
        raise DomainError(str(exc), field="uscc") from None
    holder = db.session.scalar(select(Enterprise).where(Enterprise.uscc == data.uscc))
    if holder is not None and holder is not enterprise:
        raise DomainError(_l("该统一社会信用代码已登记为“%(name)s”", name=holder.name),
                          field="uscc")
    district = db.session.get(Union, data.district_union_id or 0)
    if district is None or district.kind != UnionKind.DISTRICT:
        raise DomainError(_l("请选择所在区总工会"), field="district_union_id")
    if data.industry_union_id:
        industry = db.session.get(Union, data.industry_union_id)
        if industry is None or industry.kind != UnionKind.INDUSTRY:
            raise DomainError(_l("请选择有效的产业工会"), field="industry_union_id")
    data.contact_phone = _check_phone(data.contact_phone)


def _apply(enterprise: Enterprise, data: EnterpriseData, fields) -> None:
    for name in fields:
        setattr(enterprise, name, getattr(data, name) or (None if name.endswith("_id") else ""))


def create_enterprise(data: EnterpriseData, *, by) -> Enterprise:
    _validate(data)
    enterprise = Enterprise()
    _apply(enterprise, data, AUDITED_FIELDS)
    db.session.add(enterprise)
    db.session.flush()
    audit.record("enterprise.create", enterprise, by=by,
                 changes=audit.diff({}, audit.snapshot(enterprise, AUDITED_FIELDS)))
    return enterprise


def update_enterprise(enterprise: Enterprise, data: EnterpriseData, *, expected_version: int | None,
                      contact_only: bool, by) -> Enterprise:
    """Change an enterprise; ``contact_only`` limits the change to address and contact."""
    check_version(enterprise, expected_version, _l("该企业信息已被他人修改。您填写的内容仍保留在下方，"
                                                   "请刷新查看最新信息后再保存。"))
    if contact_only:
        data.name, data.uscc = enterprise.name, enterprise.uscc
        data.district_union_id = enterprise.district_union_id
        data.industry_union_id = enterprise.industry_union_id
    _validate(data, enterprise)
    fields = CONTACT_FIELDS if contact_only else AUDITED_FIELDS
    before = audit.snapshot(enterprise, AUDITED_FIELDS)
    _apply(enterprise, data, fields)
    changes = audit.diff(before, audit.snapshot(enterprise, AUDITED_FIELDS))
    if changes:
        db.session.flush()
        audit.record("enterprise.update", enterprise, by=by, changes=changes)
    return enterprise


def enterprise_ids_named_like(text: str) -> list[int]:
    """Ids of the enterprises whose name contains ``text`` (a read, not a change).

    A search over workers, nominations or studios "by name or enterprise" is an OR across two
    tables, which no index answers; asking the (trigram-indexed) enterprise names first turns
    it into an OR over the searched table's own indexed columns (``enterprise_id IN (...)``).
    A name of one or two characters is looked up among the names' grams.
    """
    dialect = db.session.get_bind().dialect.name
    return list(db.session.scalars(select(Enterprise.id).where(
        contains_text(text, Enterprise.name, dialect=dialect))))
