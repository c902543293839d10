"""Worker records and skill levels."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import crypto
from core.extensions import Model
from core.search_indexes import add_search_grams, trigram_index
from core.timeutil import utcnow


class SkillLevel(StrEnum):
    """National vocational skill levels, lowest first, plus the two top grades."""

    LEVEL_5 = "level_5"
    LEVEL_4 = "level_4"
    LEVEL_3 = "level_3"
    LEVEL_2 = "level_2"
    LEVEL_1 = "level_1"
    SPECIAL = "special"
    CHIEF = "chief"

    @property
    def label(self):
        return SKILL_LEVEL_LABELS[self]

    @property
    def rank(self) -> int:
        """1 (五级/初级工) to 7 (首席技师): compare levels by rank."""
        return list(SkillLevel).index(self) + 1


SKILL_LEVEL_LABELS = {
    SkillLevel.LEVEL_5: _l("五级/初级工"),
    SkillLevel.LEVEL_4: _l("四级/中级工"),
    SkillLevel.LEVEL_3: _l("三级/高级工"),
    SkillLevel.LEVEL_2: _l("二级/技师"),
    SkillLevel.LEVEL_1: _l("一级/高级技师"),
    SkillLevel.SPECIAL: _l("特级技师"),
    SkillLevel.CHIEF: _l("首席技师"),
}


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"

    @property
    def label(self):
        return _l("男") if self is Gender.MALE else _l("女")


class Worker(Model):
    """A worker record. The ID number is stored encrypted, found by a keyed hash."""

    __tablename__ = "workers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50), index=True)
    gender: Mapped[str] = mapped_column(sa.String(8))
    id_number_encrypted: Mapped[str] = mapped_column(sa.Text)
    id_number_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    id_number_masked: Mapped[str] = mapped_column(sa.String(18))
    birth_date: Mapped[date]
    mobile: Mapped[str] = mapped_column(sa.String(11))
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    occupation: Mapped[str] = mapped_column(sa.String(64), index=True)
    occupation_code: Mapped[str] = mapped_column(sa.String(16), default="")
    skill_level: Mapped[str] = mapped_column(sa.String(16))
    years_in_occupation: Mapped[int] = mapped_column(default=0)
    is_front_line: Mapped[bool] = mapped_column(default=True)
    in_post: Mapped[bool] = mapped_column(default=True)
    honors: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    enterprise = relationship("Enterprise")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # an enterprise's workers by name, read in order from the index
        sa.Index("ix_workers_enterprise_name", "enterprise_id", "name", "id"),
        trigram_index("ix_workers_name_trgm", "name"),
        trigram_index("ix_workers_occupation_trgm", "occupation"),
    )

    def __str__(self) -> str:
        return self.name

    @property
    def id_number(self) -> str:
        """The clear ID number. Show it only where :func:`rules.can_see_id_number` allows."""
        return crypto.decrypt(self.id_number_encrypted)

    @property
    def skill_level_enum(self) -> SkillLevel:
        return SkillLevel(self.skill_level)

    @property
    def gender_enum(self) -> Gender:
        return Gender(self.gender)

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


# a worker search of one or two characters (a surname) by index: see core.search_indexes
add_search_grams(cast(sa.Table, Worker.__table__), "name", "occupation")
