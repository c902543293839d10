"""Builders for test data, with valid identifiers. Call inside an app context."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from types import SimpleNamespace

from core.accounts import services as account_services
from core.demo import make_uscc
from core.extensions import db
from core.organizations.models import Enterprise, Union, UnionKind
from core.people import services as people_services
from core.people.models import SkillLevel
from core.roles import Role

PASSWORD = "Correct2026horse"
_rng = random.Random(7)
_counter = itertools.count(1)


def union(kind=UnionKind.DISTRICT, name=None, region_code="110105", parent=None) -> Union:
    u = Union(kind=kind, name=name or f"测试工会{next(_counter)}",
              region_code=region_code if kind == UnionKind.DISTRICT else None,
              parent_id=parent.id if parent else None)
    db.session.add(u)
    db.session.flush()
    return u


def enterprise(district: Union, industry: Union | None = None, name=None) -> Enterprise:
    e = Enterprise(name=name or f"测试企业{next(_counter)}有限公司",
                   uscc=make_uscc(_rng, district.region_code or "110105"),
                   district_union_id=district.id,
                   industry_union_id=industry.id if industry else None)
    db.session.add(e)
    db.session.flush()
    return e


def id_number(birth=None, male=True, region="110105") -> str:
    """A valid ID number, unique within the test run."""
    from core.validators import id_number_check_char

    birth = birth or date(1985, 1, 1) + timedelta(days=next(_counter) % 3000)
    sequence = (next(_counter) % 99) * 10 + (1 if male else 2)
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_number_check_char(first17)


def worker_data(enterprise_id: int, **overrides) -> people_services.WorkerData:
    male = overrides.pop("male", True)
    values = {
        "name": "张建国", "gender": "male" if male else "female",
        "id_number": id_number(male=male), "mobile": f"139{_rng.randint(0, 99999999):08d}",
        "enterprise_id": enterprise_id, "occupation": "钳工", "skill_level": SkillLevel.LEVEL_2.value,
        "years_in_occupation": 12,
    }
    values.update(overrides)
    return people_services.WorkerData(**values)


def worker(enterprise_id: int, **overrides):
    return people_services.create_worker(worker_data(enterprise_id, **overrides), by=None)


def user(username: str, roles, **bindings):
    return account_services.create_account(account_services.AccountData(
        username=username, display_name=username, roles=[Role(r).value for r in roles],
        **bindings), PASSWORD, by=None)


def build_world() -> SimpleNamespace:
    """A federation with two districts and an industry union; three enterprises; users."""
    federation = union(UnionKind.FEDERATION, "北京市总工会")
    chaoyang = union(UnionKind.DISTRICT, "朝阳区总工会", "110105", federation)
    haidian = union(UnionKind.DISTRICT, "海淀区总工会", "110108", federation)
    machinery = union(UnionKind.INDUSTRY, "北京市机械冶金建材工会", parent=federation)
    ent_a = enterprise(chaoyang, None, "朝阳精工有限公司")
    ent_b = enterprise(haidian, machinery, "海淀机械有限公司")
    ent_c = enterprise(haidian, None, "海淀软件有限公司")
    worker_a = worker(ent_a.id, name="李明")
    worker_b = worker(ent_b.id, name="王芳", male=False)
    worker_c = worker(ent_c.id, name="赵强")
    users = SimpleNamespace(
        admin=user("admin", [Role.ADMIN]),
        reviewer=user("reviewer", [Role.UNION_REVIEWER], union_id=chaoyang.id),
        industry_reviewer=user("industry", [Role.UNION_REVIEWER], union_id=machinery.id),
        enterprise=user("ent_a", [Role.ENTERPRISE], enterprise_id=ent_a.id),
        other_enterprise=user("ent_b", [Role.ENTERPRISE], enterprise_id=ent_b.id),
        expert=user("expert", [Role.EXPERT]),
        judge=user("judge", [Role.JUDGE]),
        worker=user("worker_a", [Role.WORKER], worker_id=worker_a.id),
    )
    db.session.commit()
    return SimpleNamespace(
        federation=federation.id, chaoyang=chaoyang.id, haidian=haidian.id,
        machinery=machinery.id, ent_a=ent_a.id, ent_b=ent_b.id, ent_c=ent_c.id,
        worker_a=worker_a.id, worker_b=worker_b.id, worker_c=worker_c.id,
        users=SimpleNamespace(**{k: v.id for k, v in vars(users).items()}),
    )
