"""Unions (the federation, district unions, industry unions) and enterprises."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.search_indexes import add_search_grams, trigram_index
from core.timeutil import utcnow


class UnionKind(StrEnum):
    FEDERATION = "federation"
    DISTRICT = "district"
    INDUSTRY = "industry"

    @property
    def label(self):
        return {
            UnionKind.FEDERATION: _l("市总工会"),
            UnionKind.DISTRICT: _l("区总工会"),
            UnionKind.INDUSTRY: _l("产业工会"),
        }[self]


class Union(Model):
    """A trade union body: the federation at the top, district and industry unions below it."""

    __tablename__ = "unions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16), index=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unions.id"))
    #: For district unions: the 6-digit administrative division code (e.g. 110105 朝阳区).
    region_code: Mapped[str | None] = mapped_column(sa.String(6))

    parent = relationship("Union", remote_side=[id])

    def __str__(self) -> str:
        return self.name

    @property
    def kind_enum(self) -> UnionKind:
        return UnionKind(self.kind)


class Enterprise(Model):
    """An employer whose enterprise union keeps worker records and makes nominations."""

    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), index=True)
    uscc: Mapped[str] = mapped_column(sa.String(18), unique=True)
    district_union_id: Mapped[int] = mapped_column(sa.ForeignKey("unions.id"), index=True)
    industry_union_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unions.id"), index=True)
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(50), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    district_union = relationship(Union, foreign_keys=[district_union_id])
    industry_union = relationship(Union, foreign_keys=[industry_union_id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (trigram_index("ix_enterprises_name_trgm", "name"),)

    def __str__(self) -> str:
        return self.name

    def union_ids(self) -> set[int]:
        return {i for i in (self.district_union_id, self.industry_union_id) if i}


# an enterprise search of one or two characters by index: see core.search_indexes
add_search_grams(cast(sa.Table, Enterprise.__table__), "name")
