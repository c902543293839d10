"""Realistic demo data: Beijing's unions, enterprises with valid credit codes, workers with
valid ID numbers, and one account per role. Deterministic, so every machine gets the same."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select

from core.accounts import services as account_services
from core.extensions import db
from core.organizations.models import Enterprise, Union, UnionKind
from core.people import services as people_services
from core.people.models import SkillLevel
from core.roles import Role
from core.validators import USCC_ALPHABET, id_number_check_char, uscc_check_char

DEMO_PASSWORD = "Beijing2026"

#: Beijing's 16 districts and their administrative division codes.
DISTRICTS = [
    ("东城区", "110101"), ("西城区", "110102"), ("朝阳区", "110105"), ("丰台区", "110106"),
    ("石景山区", "110107"), ("海淀区", "110108"), ("门头沟区", "110109"), ("房山区", "110111"),
    ("通州区", "110112"), ("顺义区", "110113"), ("昌平区", "110114"), ("大兴区", "110115"),
    ("怀柔区", "110116"), ("平谷区", "110117"), ("密云区", "110118"), ("延庆区", "110119"),
]
INDUSTRY_UNIONS = ["北京市机械冶金建材工会", "北京市建设工会", "北京市交通工会",
                   "北京市能源化学工会", "北京市财贸工会"]

#: The demo ``worker`` (the first enterprise's first worker) is a welder: the demo's finished
#: competition event, whose result and award certificate the worker sees, is 焊工, and a
#: competition is entered only in one's own trade.
DEMO_WORKER_OCCUPATION = "焊工"

#: (name, district, industry union index or None, occupations mainly employed)
ENTERPRISES = [
    ("北京京城精工机床有限公司", "朝阳区", 0, ["数控车工", "钳工", "铣工"]),
    ("北京燕京重型装备制造有限公司", "房山区", 0, ["焊工", "钳工", "电工"]),
    ("北京城建远东建设工程有限公司", "海淀区", 1, ["砌筑工", "钢筋工", "混凝土工"]),
    ("北京安居市政工程有限公司", "丰台区", 1, ["管道工", "焊工", "测量放线工"]),
    ("北京京通城市轨道运营有限公司", "西城区", 2, ["电动列车司机", "信号工", "电工"]),
    ("北京顺畅公共交通有限公司", "顺义区", 2, ["汽车维修工", "电工"]),
    ("北京首能热力发电有限公司", "石景山区", 3, ["锅炉运行值班员", "电工", "化学检验员"]),
    ("北京燕化新材料股份有限公司", "房山区", 3, ["化工总控工", "化学检验员", "仪表维修工"]),
    ("北京京华百货集团有限公司", "东城区", 4, ["营销员", "中式烹调师"]),
    ("北京和顺餐饮管理有限公司", "西城区", 4, ["中式烹调师", "中式面点师"]),
    ("北京中关村智能电子有限公司", "海淀区", None, ["电子设备装接工", "计算机网络管理员"]),
    ("北京星河航天精密制造有限公司", "丰台区", 0, ["数控铣工", "数控车工", "钳工", "焊工"]),
    ("北京通州运河建设集团有限公司", "通州区", 1, ["钢筋工", "架子工", "测量放线工"]),
    ("北京昌平汽车零部件有限公司", "昌平区", 0, ["数控车工", "汽车维修工", "焊工"]),
    ("北京大兴国际物流有限公司", "大兴区", 2, ["物流服务师", "叉车司机"]),
    ("北京怀柔科学城仪器有限公司", "怀柔区", None, ["仪器仪表装调工", "电子设备装接工"]),
    ("北京平谷绿色农产品加工有限公司", "平谷区", None, ["农产品食品检验员", "电工"]),
    ("北京密云水务运营有限公司", "密云区", None, ["水处理工", "电工", "化学检验员"]),
    ("北京延庆冰雪运动装备有限公司", "延庆区", None, ["焊工", "钳工", "数控车工"]),
    ("北京门头沟生态修复工程有限公司", "门头沟区", 1, ["园林绿化工", "测量放线工"]),
]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN_MALE = ["伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "刚", "建国", "建华", "志强",
              "海涛", "春生", "国庆", "文博", "子豪", "立新", "宏伟", "晓东", "振华", "永刚"]
GIVEN_FEMALE = ["芳", "娜", "秀英", "敏", "静", "丽", "艳", "娟", "秀兰", "霞", "桂英", "红梅", "雨桐",
                "玉兰", "淑珍", "慧", "婷", "晓燕"]
HONORS = ["北京市劳动模范", "首都劳动奖章", "北京市技术能手", "全国技术能手", "北京市优秀技能人才",
          "区级岗位能手", "企业首席技师"]


def _org_code(rng: random.Random) -> str:
    """A 9-character organization code with its GB 11714 check character."""
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body]
    check = 11 - sum(v * w for v, w in zip(values, weights, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(rng: random.Random, region_code: str) -> str:
    """A valid unified social credit code for an enterprise registered in ``region_code``."""
    while True:
        first17 = "91" + region_code + _org_code(rng)
        if all(c in USCC_ALPHABET for c in first17):
            return first17 + uscc_check_char(first17)


def make_id_number(rng: random.Random, region_code: str, birth: date, male: bool) -> str:
    """A valid resident ID number for a person born on ``birth`` in ``region_code``."""
    sequence = rng.randrange(0, 99) * 10 + rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
    first17 = f"{region_code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_number_check_char(first17)


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(Union))


def load(workers_per_enterprise: int = 10, seed: int = 2026) -> None:
    """Load the demo data into an empty database."""
    rng = random.Random(seed)
    federation = Union(kind=UnionKind.FEDERATION, name="北京市总工会")
    db.session.add(federation)
    db.session.flush()
    districts = {}
    for name, code in DISTRICTS:
        districts[name] = Union(kind=UnionKind.DISTRICT, name=f"{name}总工会",
                                parent_id=federation.id, region_code=code)
    industries = [Union(kind=UnionKind.INDUSTRY, name=n, parent_id=federation.id)
                  for n in INDUSTRY_UNIONS]
    db.session.add_all([*districts.values(), *industries])
    db.session.flush()

    used_ids: set[str] = set()
    enterprises, first_worker = [], None
    for index, (name, district, industry, occupations) in enumerate(ENTERPRISES):
        union = districts[district]
        enterprise = Enterprise(
            name=name, uscc=make_uscc(rng, union.region_code or ""), district_union_id=union.id,
            industry_union_id=industries[industry].id if industry is not None else None,
            address=f"北京市{district}{rng.choice(['建设', '光华', '永安', '新华', '育新'])}路"
                    f"{rng.randint(1, 199)}号",
            contact_name=rng.choice(SURNAMES) + rng.choice(["主席", "老师"]),
            contact_phone=f"010-{rng.randint(60000000, 89999999)}",
        )
        db.session.add(enterprise)
        db.session.flush()
        enterprises.append(enterprise)
        for n in range(workers_per_enterprise):
            male = rng.random() < 0.72
            birth = date(1966, 1, 1) + timedelta(days=rng.randrange(0, 365 * 36))
            region = rng.choice(DISTRICTS)[1]
            number = make_id_number(rng, region, birth, male)
            while number in used_ids:
                number = make_id_number(rng, region, birth, male)
            used_ids.add(number)
            level = rng.choices(list(SkillLevel), weights=(6, 14, 30, 26, 16, 5, 3))[0]
            age = 2026 - birth.year
            honors = rng.sample(HONORS, k=rng.choice((0, 0, 0, 1, 1, 2)))
            worker = people_services.create_worker(people_services.WorkerData(
                name=rng.choice(SURNAMES) + rng.choice(GIVEN_MALE if male else GIVEN_FEMALE),
                gender="male" if male else "female", id_number=number,
                mobile=f"1{rng.choice('3456789')}{rng.randint(0, 999999999):09d}",
                enterprise_id=enterprise.id,
                occupation=DEMO_WORKER_OCCUPATION if index == 0 and n == 0 else occupations[n % len(occupations)],
                skill_level=level.value,
                years_in_occupation=max(1, min(age - 20, rng.randint(2, 30))),
                is_front_line=rng.random() < 0.85, in_post=True,
                honors="\n".join(f"{rng.randint(2012, 2025)}年 {h}" for h in honors),
            ), by=None)
            if index == 0 and n == 0:
                first_worker = worker

    chaoyang = districts["朝阳区"]
    assert first_worker is not None  # the first enterprise has workers
    accounts = [
        ("admin", "市总工会管理员", [Role.ADMIN], {}),
        ("reviewer", "朝阳区总工会审核员", [Role.UNION_REVIEWER], {"union_id": chaoyang.id}),
        ("enterprise", "京城精工工会", [Role.ENTERPRISE], {"enterprise_id": enterprises[0].id}),
        ("expert", "评审专家", [Role.EXPERT], {}),
        ("judge", "裁判", [Role.JUDGE], {}),
        ("worker", first_worker.name, [Role.WORKER], {"worker_id": first_worker.id}),
    ]
    for username, display, roles, bindings in accounts:
        account_services.create_account(account_services.AccountData(
            username=username, display_name=display, roles=[r.value for r in roles], **bindings,
        ), DEMO_PASSWORD, by=None)
    db.session.flush()


def describe_logins() -> list[tuple[str, str]]:
    """(username, role description) for each demo account."""
    return [("admin", "市总工会管理员"), ("reviewer", "朝阳区总工会审核员"),
            ("enterprise", "企业工会（北京京城精工机床有限公司）"), ("expert", "评审专家"),
            ("judge", "裁判"), ("worker", "职工")]
