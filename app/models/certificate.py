"""Certificates of completion (module or programme) and their revocations, both append-only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow
from app.models.user import User

MODULE = "module"
PROGRAMME = "programme"
KINDS = (MODULE, PROGRAMME)


class Certificate(db.Model):
    """What was certified, to whom, when, with the public code printed on the PDF.

    Everything printed is frozen at issue time (holder's name, titles in both languages), so
    the PDF can be regenerated identically from this row. Rows are never updated or deleted
    (a PostgreSQL trigger refuses it): revocation is a separate row.
    """

    __tablename__ = "certificate"
    # One certificate per person and issue key: "module:<slug>:<material version>" or
    # "programme:<marker>" (the marker digests the required modules at their versions), so a
    # re-completion or a repeated signal never issues twice.
    __table_args__ = (UniqueConstraint("user_id", "issue_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    issue_key: Mapped[str] = mapped_column(String(200))
    module_slug: Mapped[str | None] = mapped_column(String(120), index=True)
    material_version: Mapped[int | None] = mapped_column(Integer)
    content_version: Mapped[str] = mapped_column(String(64))
    title_fr: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    score: Mapped[int | None] = mapped_column(Integer)
    holder_name: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    mac: Mapped[str | None] = mapped_column(String(64))  # app.evidence.seals; NULL: not sealed yet
    # The evidence key that sealed the row (app.core.keys; NULL: the legacy SECRET_KEY one).
    key_id: Mapped[str | None] = mapped_column(String(32))
    # holder_name is sealed through identity_digest (salted), so a retention purge may blank it.
    pii_salt: Mapped[str | None] = mapped_column(String(32))
    identity_digest: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship(lazy="raise")
    revocation: Mapped[CertificateRevocation | None] = relationship(
        lazy="raise", back_populates="certificate", uselist=False
    )

    def title(self, locale: str) -> str:
        """The title as printed in that language (French unless English is asked for)."""
        return self.title_en if locale == "en" else self.title_fr

    @property
    def revoked(self) -> bool:
        """Derived from the revocation row (load it first)."""
        return self.revocation is not None

    def __repr__(self) -> str:
        return f"<Certificate {self.id} {self.kind} user={self.user_id}>"


class CertificateRevocation(db.Model):
    """HR's decision that a certificate no longer holds: when, by whom and why (append-only)."""

    __tablename__ = "certificate_revocation"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), unique=True)
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(Text)
    mac: Mapped[str | None] = mapped_column(String(64))  # app.evidence.seals; NULL: not sealed yet
    # The evidence key that sealed the row (app.core.keys; NULL: the legacy SECRET_KEY one).
    key_id: Mapped[str | None] = mapped_column(String(32))

    certificate: Mapped[Certificate] = relationship(lazy="raise", back_populates="revocation")
    revoked_by: Mapped[User | None] = relationship(lazy="raise")
