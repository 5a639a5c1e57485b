"""Signed acknowledgements of a policy version: append-only evidence with a server-side MAC."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.policy import PolicyVersion
from app.models.types import UTCDateTime, utcnow
from app.models.user import User


class Acknowledgement(db.Model):
    """Who signed which exact text, when, how, and a MAC proving the row was not altered since.

    Rows are never updated or deleted (a PostgreSQL trigger refuses it); one per person and version.
    """

    __tablename__ = "acknowledgement"
    __table_args__ = (UniqueConstraint("user_id", "policy_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed through the unique (user_id, policy_version_id) constraint, which leads with it.
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    policy_version_id: Mapped[int] = mapped_column(ForeignKey("policy_version.id"), index=True)
    locale: Mapped[str] = mapped_column(String(5))
    text_sha256: Mapped[str] = mapped_column(String(64))
    statement: Mapped[str] = mapped_column(Text)
    typed_name: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    auth_method: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(20), unique=True)
    mac: Mapped[str] = mapped_column(String(64))
    # Version 1 MACs cover the raw personal fields; version 2 covers their salted digest
    # (pii_digest), so that a retention purge can blank them while the MAC still verifies.
    mac_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    pii_salt: Mapped[str | None] = mapped_column(String(32))
    pii_digest: Mapped[str | None] = mapped_column(String(64))
    # A signature given on paper and recorded by HR, with the scanned form.
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    paper_reference: Mapped[str | None] = mapped_column(String(200))
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_attachment.id"))
    # The evidence key that sealed the row (app.core.keys; NULL: the legacy SECRET_KEY one).
    key_id: Mapped[str | None] = mapped_column(String(32))
    # The signer as they were when signing (shown on receipts and /verify, never the live
    # account), sealed through identity_digest so a retention purge may blank them.
    signer_name: Mapped[str | None] = mapped_column(String(200))
    signer_email: Mapped[str | None] = mapped_column(String(254))
    identity_digest: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id], lazy="raise")
    policy_version: Mapped[PolicyVersion] = relationship(lazy="raise")

    def __repr__(self) -> str:
        return f"<Acknowledgement {self.id} user={self.user_id} version={self.policy_version_id}>"
