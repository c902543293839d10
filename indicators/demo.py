"""Demo data for the plan indicators, loaded by ``flask seed-demo`` after the other features'
demo data (``indicators`` is last in ``FEATURES``).

The plan's 18 indicators come from the plan file, as in production. The live indicators then
show whatever the other features' demo data holds (named studios, craftsmen, competitions).
For four reported indicators a few years of values are entered through the services, each
with a source note marked as demo data, and one of them is corrected once, so the history
shows an entry superseded by its correction.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core.accounts.models import User
from core.extensions import db
from core.timeutil import beijing_today
from indicators import services
from indicators.models import Indicator

#: key -> values from 2021 on (fictitious demo figures).
REPORTED = {
    "collective_contract_rate": ("84.2", "86.0", "87.5", "88.6", "89.4"),
    "worker_homes": ("12600", "14100", "15200", "16700", "17900"),
    "warm_stations": ("16000", "20500", "24100", "27300", "29800"),
    "union_coverage": ("85.1", "86.3", "87.2", "88.0", "88.9"),
}
SOURCE_NOTE = "演示数据：{year}年度工会统计年报（市总工会组织部）"


def load() -> None:
    services.load_plan()
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    today = beijing_today()
    for key, values in REPORTED.items():
        indicator = db.session.scalar(select(Indicator).where(Indicator.key == key))
        for offset, text in enumerate(values):
            year = 2021 + offset
            if year >= today.year:
                break
            services.report_value(indicator, year=year, value=Decimal(text), as_of=date(year, 12, 31),
                                  source_note=SOURCE_NOTE.format(year=year), by=admin)
    homes = db.session.scalar(select(Indicator).where(Indicator.key == "worker_homes"))
    entry = services.in_force(homes, 2023)
    if entry is not None:
        services.correct_report(entry, value=Decimal("15400"), as_of=date(2023, 12, 31),
                                source_note="演示数据：2023年度工会统计年报（修订版）",
                                reason="补报遗漏的公共区域职工之家 200 个", by=admin)
