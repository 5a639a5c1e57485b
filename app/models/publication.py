"""Publication checks: who was in a picture, what consent said then, and later reviews."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.consent import ConsentPurpose
from app.models.types import UTCDateTime, utcnow
from app.models.user import User


class PublicationCheck(db.Model):
    """HR asked "may we publish this picture?" for a purpose and medium. Append-only."""

    __tablename__ = "publication_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose_id: Mapped[int] = mapped_column(ForeignKey("consent_purpose.id"))
    medium: Mapped[str] = mapped_column(String(10))
    reference: Mapped[str] = mapped_column(String(300))
    checked_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mac: Mapped[str | None] = mapped_column(String(64))  # app.evidence.seals; NULL: not sealed yet
    # The evidence key that sealed the row (app.core.keys; NULL: the legacy SECRET_KEY one).
    key_id: Mapped[str | None] = mapped_column(String(32))

    purpose: Mapped[ConsentPurpose] = relationship(lazy="raise")
    checked_by: Mapped[User] = relationship(lazy="raise")
    people: Mapped[list[PublicationCheckPerson]] = relationship(
        back_populates="check", lazy="raise", order_by="PublicationCheckPerson.id"
    )


class PublicationCheckPerson(db.Model):
    """One person in a checked picture and the answer given at the time. Append-only."""

    __tablename__ = "publication_check_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("publication_check.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    allowed: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(String(12))  # granted, refused, revoked, expired, never
    valid_until: Mapped[date | None] = mapped_column(Date)
    consent_event_id: Mapped[int | None] = mapped_column(ForeignKey("consent_event.id"))
    mac: Mapped[str | None] = mapped_column(String(64))  # app.evidence.seals; NULL: not sealed yet
    # The evidence key that sealed the row (app.core.keys; NULL: the legacy SECRET_KEY one).
    key_id: Mapped[str | None] = mapped_column(String(32))

    check: Mapped[PublicationCheck] = relationship(back_populates="people", lazy="raise")
    user: Mapped[User] = relationship(lazy="raise")


class PublicationReview(db.Model):
    """Someone reviewed a checked publication after the consent behind it ended. Append-only.

    Evidence: it shows who acted on a withdrawal, and its existence clears the item from HR's
    "to review" list, so a forged row would hide a publication that must come down. Keyed by
    the consent event that ended it (a revocation, or the grant that expired), so that a later
    grant-then-revoke asks for a new review.
    """

    __tablename__ = "publication_review"
    __table_args__ = (UniqueConstraint("check_person_id", "trigger_event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    check_person_id: Mapped[int] = mapped_column(ForeignKey("publication_check_person.id"))
    trigger_event_id: Mapped[int] = mapped_column(ForeignKey("consent_event.id"))
    reviewed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mac: Mapped[str | None] = mapped_column(String(64))  # app.evidence.seals; NULL: not sealed yet
    # The evidence key that sealed the row (app.core.keys; NULL: the legacy SECRET_KEY one).
    key_id: Mapped[str | None] = mapped_column(String(32))
