"""Issued certificates. A certificate keeps a snapshot of every field it prints, so later edits
of the records it came from never change it."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.timeutil import utcnow


class CertificateKind(StrEnum):
    CRAFTSMAN_TITLE = "craftsman_title"
    COMPETITION_AWARD = "competition_award"
    STUDIO_NAMING = "studio_naming"
    ALLIANCE_MEMBERSHIP = "alliance_membership"

    @property
    def label(self):
        return {CertificateKind.CRAFTSMAN_TITLE: _l("工匠称号"),
                CertificateKind.COMPETITION_AWARD: _l("竞赛获奖"),
                CertificateKind.STUDIO_NAMING: _l("工作室命名"),
                CertificateKind.ALLIANCE_MEMBERSHIP: _l("联盟成员")}[self]


class HolderType(StrEnum):
    WORKER = "worker"
    STUDIO = "studio"
    ALLIANCE = "alliance"


class CertificateStatus(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    REPLACED = "replaced"

    @property
    def label(self):
        return {CertificateStatus.VALID: _l("有效"), CertificateStatus.REVOKED: _l("已撤销"),
                CertificateStatus.REPLACED: _l("已被替换")}[self]


class RevocationCategory(StrEnum):
    """What the public is told about a revoked or replaced certificate: a category chosen at
    revocation. The reason itself is an internal note, shown only to administrators."""

    CORRECTED = "corrected"
    HONOUR_REVOKED = "honour_revoked"
    ISSUED_IN_ERROR = "issued_in_error"
    STUDIO_DELISTED = "studio_delisted"
    MEMBERSHIP_ENDED = "membership_ended"
    RESULT_CHANGED = "result_changed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self):
        return {RevocationCategory.CORRECTED: _l("证书信息有误，已换发"),
                RevocationCategory.HONOUR_REVOKED: _l("荣誉称号已被撤销"),
                RevocationCategory.ISSUED_IN_ERROR: _l("证书系误发，已作废"),
                RevocationCategory.STUDIO_DELISTED: _l("工作室已被摘牌"),
                RevocationCategory.MEMBERSHIP_ENDED: _l("已不再是联盟成员单位"),
                RevocationCategory.RESULT_CHANGED: _l("获奖结果已变更"),
                RevocationCategory.WITHDRAWN: _l("发证机构已收回该证书")}[self]


class Certificate(db.Model):
    """One issued certificate."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(24), index=True)
    #: e.g. BJGJ-2026-000123: unique; the formats per kind are configuration.
    serial: Mapped[str] = mapped_column(sa.String(40), unique=True)
    #: A series of the kind with serials of its own ("" for the kind's main series).
    series: Mapped[str] = mapped_column(sa.String(24), default="")
    year: Mapped[int]
    #: The n-th certificate of its kind and series in its year (the serial's last part).
    sequence: Mapped[int]
    #: What the certificate is for, as the issuing feature names it, e.g. "craftsmen.title:12".
    source_key: Mapped[str] = mapped_column(sa.String(80), index=True)
    #: ``source_key`` while the certificate is valid, else NULL: at most one live certificate a source.
    live_key: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    holder_type: Mapped[str] = mapped_column(sa.String(16))
    holder_id: Mapped[int]
    holder_name: Mapped[str] = mapped_column(sa.String(200))
    #: Who may download it besides administrators: the worker it names, the enterprise behind it.
    worker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workers.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprises.id"), index=True)
    issuer: Mapped[str] = mapped_column(sa.String(100))
    issued_on: Mapped[date]
    #: Every printed field, as issued (holder name, honour, issuer, date, serial, ...).
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
    #: Printed beside the QR code for people who type it in.
    verification_code: Mapped[str] = mapped_column(sa.String(16))
    #: Ed25519 signature of the credential, and the key that made it.
    signature: Mapped[str] = mapped_column(sa.Text, default="")
    key_id: Mapped[str] = mapped_column(sa.String(64), default="")
    #: The Open Badges Achievement it is for (``/certificates/achievements/<key>``); empty for
    #: certificates issued before achievements had ids of their own.
    achievement_key: Mapped[str] = mapped_column(sa.String(80), default="", index=True)
    #: Position in the revocation list (W3C Bitstring Status List); unique.
    status_index: Mapped[int] = mapped_column(unique=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=CertificateStatus.VALID.value, index=True)
    revoked_at: Mapped[datetime | None]
    #: The internal note on why it was revoked or replaced (administrators only).
    revoke_reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: What the public verification page says instead (:class:`RevocationCategory`).
    revoke_category: Mapped[str] = mapped_column(sa.String(24), default="")
    replaces_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id"))
    replaced_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id"))
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    replaces = relationship("Certificate", foreign_keys=[replaces_id], remote_side=[id])
    replaced_by = relationship("Certificate", foreign_keys=[replaced_by_id], remote_side=[id])

    __table_args__ = (sa.UniqueConstraint("kind", "series", "year", "sequence",
                                         name="uq_certificates_series_sequence"),)
    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.serial

    @property
    def kind_enum(self) -> CertificateKind:
        return CertificateKind(self.kind)

    @property
    def status_enum(self) -> CertificateStatus:
        return CertificateStatus(self.status)

    @property
    def public_reason(self):
        """What the public is told about why it is no longer valid (None while valid)."""
        if self.status == CertificateStatus.VALID.value:
            return None
        try:
            return RevocationCategory(self.revoke_category).label
        except ValueError:
            default = (RevocationCategory.CORRECTED if self.status == CertificateStatus.REPLACED.value
                       else RevocationCategory.WITHDRAWN)
            return default.label
