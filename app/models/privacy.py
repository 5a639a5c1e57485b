"""Privacy records: scanned paper forms kept as evidence, and retention purges of departed people."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class EvidenceAttachment(db.Model):
    """A scan of a paper form (PDF, PNG or JPEG) recorded by HR; never changed once stored.

    The bytes live in the database so that backups carry them with the records they support;
    `sha256` and `mac` let `flask audit verify` detect a swapped or altered file.
    """

    __tablename__ = "evidence_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))
    # The evidence key that sealed the row (app.core.keys; NULL: the legacy SECRET_KEY one).
    key_id: Mapped[str | None] = mapped_column(String(32))
    # Deferred: lists and MAC checks never load the file itself.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


class RetentionPurge(db.Model):
    """The record that one departed person's records were pseudonymised (one row per person).

    Sealed and exact: `blanked` names every row and field the purge blanked, `mac` covers the
    whole row, and the "retention.purged" audit entry repeats the MAC. Only such a purge makes
    a blank personal field acceptable to `flask audit verify` (app/evidence/personal.py).
    Rows written before sealing existed have neither (their audit entry alone vouches for them).
    """

    __tablename__ = "retention_purge"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    pseudonym: Mapped[str] = mapped_column(String(40))
    retention_years: Mapped[int] = mapped_column(Integer)
    acknowledgements: Mapped[int] = mapped_column(Integer, default=0)
    consent_events: Mapped[int] = mapped_column(Integer, default=0)
    audit_events: Mapped[int] = mapped_column(Integer, default=0)
    # Canonical JSON {table: {"fields": [...], "ids": [...]}}.
    blanked: Mapped[str | None] = mapped_column(Text)
    mac: Mapped[str | None] = mapped_column(String(64))
