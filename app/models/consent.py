"""Image-use consent: purposes, their versioned texts and the append-only decision history."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow
from app.models.user import User


class Medium(StrEnum):
    """What a consent covers: photos or videos (stored in `ConsentEvent.medium`)."""

    PHOTO = "photo"
    VIDEO = "video"


class ConsentDecision(StrEnum):
    """What a person decided (stored in `ConsentEvent.decision`)."""

    GRANTED = "granted"
    REFUSED = "refused"
    REVOKED = "revoked"


class ConsentStatus(StrEnum):
    """Where a person stands today: a decision, or "expired" / "never" (derived, never stored)."""

    GRANTED = "granted"
    REFUSED = "refused"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NEVER = "never"


# Plain strings, in the canonical order (photo, then video).
MEDIA = tuple(m.value for m in Medium)
DECISIONS = tuple(d.value for d in ConsentDecision)


class ConsentPurpose(db.Model):
    """A use of employees' images (website, social media, ...) asked about separately."""

    __tablename__ = "consent_purpose"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    order: Mapped[int] = mapped_column(Integer, default=0)
    media: Mapped[str] = mapped_column(String(40), default="photo,video")  # comma-separated
    default_duration_months: Mapped[int] = mapped_column(Integer, default=36)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # What the consent receipt says about the purpose, from the text files' front matter
    # (None when a file does not declare it): a DPV purpose (e.g. "dpv:PublicRelations"), who
    # sees the images ("internal" or "public") and named third parties (e.g. social networks).
    purpose_category: Mapped[str | None] = mapped_column(String(80))
    audience: Mapped[str | None] = mapped_column(String(20))
    third_parties: Mapped[str | None] = mapped_column(String(500))

    @property
    def media_list(self) -> list[str]:
        """The media this purpose covers, in the canonical order (photo, then video)."""
        chosen = set(self.media.split(","))
        return [m for m in MEDIA if m in chosen]


class ConsentText(db.Model):
    """One version of a purpose's text in one language; never changed once imported.

    `markdown` holds the text as shown (organisation variables already filled in) and
    `sha256` its digest, which each decision records.
    """

    __tablename__ = "consent_text"
    __table_args__ = (UniqueConstraint("purpose_id", "version", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose_id: Mapped[int] = mapped_column(ForeignKey("consent_purpose.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    locale: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(200))
    markdown: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mac: Mapped[str | None] = mapped_column(String(64))  # app.evidence.seals; NULL: not sealed yet
    # The evidence key that sealed the row (app.core.keys; NULL: the legacy SECRET_KEY one).
    key_id: Mapped[str | None] = mapped_column(String(32))

    purpose: Mapped[ConsentPurpose] = relationship(lazy="raise")


class ConsentEvent(db.Model):
    """One decision about one purpose and one medium. Append-only: never updated or deleted.

    The current state is the latest event per (user, purpose, medium); "expired" is derived
    from valid_until and the date, never written.
    """

    __tablename__ = "consent_event"
    # The latest decision per (person, purpose, medium) and its latest valid grant come from
    # this index alone on PostgreSQL (decision and valid_until carried along, not keyed).
    __table_args__ = (
        Index(
            "ix_consent_event_latest",
            "user_id",
            "purpose_id",
            "medium",
            "id",
            postgresql_include=["decision", "valid_until"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    purpose_id: Mapped[int] = mapped_column(ForeignKey("consent_purpose.id"), index=True)
    medium: Mapped[str] = mapped_column(String(10))
    decision: Mapped[str] = mapped_column(String(10))
    text_id: Mapped[int] = mapped_column(ForeignKey("consent_text.id"))
    text_version: Mapped[int] = mapped_column(Integer)
    text_locale: Mapped[str] = mapped_column(String(5))
    text_sha256: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    paper_reference: Mapped[str | None] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(20), unique=True)
    mac: Mapped[str] = mapped_column(String(64))
    # Version 2 MACs cover a salted digest of ip and user agent instead of the raw values.
    mac_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    pii_salt: Mapped[str | None] = mapped_column(String(32))
    pii_digest: Mapped[str | None] = mapped_column(String(64))
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_attachment.id"))
    # The evidence key that sealed the row (app.core.keys; NULL: the legacy SECRET_KEY one).
    key_id: Mapped[str | None] = mapped_column(String(32))
    # The person as they were at the decision (receipts show this, never the live account).
    holder_name: Mapped[str | None] = mapped_column(String(200))
    holder_email: Mapped[str | None] = mapped_column(String(254))
    identity_digest: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id], lazy="raise")
    purpose: Mapped[ConsentPurpose] = relationship(lazy="raise")
    text: Mapped[ConsentText] = relationship(lazy="raise")


class ConsentNotice(db.Model):  # type: ignore[name-defined]
    """A consent event was announced once for one reason (not evidence: bookkeeping of the job).

    `kind` "expired": the grant ran out and its publications were announced for take-down;
    "renewal": the person was asked by email to renew before it ends. The unique key is what
    makes the scheduled job idempotent, on one host or several.
    """

    __tablename__ = "consent_notice"
    __table_args__ = (UniqueConstraint("event_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("consent_event.id"))
    kind: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
