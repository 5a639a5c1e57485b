"""The append-only, hash-chained audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

GENESIS_HASH = "0" * 64


class AuditEvent(db.Model):
    """One thing that happened. Rows are never updated or deleted; each chains to the previous.

    Personal fields (ip, user_agent) are covered by the chain through a salted digest, so that a
    retention job can later blank them while the chain still verifies.
    """

    __tablename__ = "audit_event"
    # "Last activity" is max(created_at) per actor: one probe into this index per person.
    # Receipts find the entry that recorded their row (the chain head at issue) by its target.
    __table_args__ = (
        Index("ix_audit_event_actor_created", "actor_id", "created_at"),
        Index("ix_audit_event_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # seq and prev_hash are unique: two writers that read the same chain head cannot both append.
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    pii_salt: Mapped[str] = mapped_column(String(32))
    pii_digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The evidence key that hashed this entry (NULL: the legacy key derived from SECRET_KEY).
    key_id: Mapped[str | None] = mapped_column(String(32))
