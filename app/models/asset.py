"""The asset register: photos and videos, who appears in them, where they are published, and
what was taken down after a withdrawal. Tags, publications and take-down decisions are evidence
(append-only, sealed); the asset row describes the file and is written once."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.consent import ConsentPurpose
from app.models.publication import PublicationCheck
from app.models.types import UTCDateTime, utcnow
from app.models.user import User


class AssetSource(StrEnum):
    """Where the asset's file lives: uploaded to MEDIA_DIR, or in an external DAM (by reference)."""

    UPLOAD = "upload"
    EXTERNAL = "external"


class TakedownOutcome(StrEnum):
    """What communications decided about a publication after a withdrawal or an expiry."""

    REMOVED = "removed"
    KEPT = "kept"


class MediaAsset(db.Model):  # type: ignore[name-defined]
    """One photo or video in the register. Its files sit in MEDIA_DIR under their own names."""

    __tablename__ = "media_asset"
    __table_args__ = (Index("ix_media_asset_created", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    medium: Mapped[str] = mapped_column(String(10))  # consent Medium: photo or video
    source: Mapped[str] = mapped_column(String(10))  # AssetSource
    taken_on: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")  # place or event
    photographer: Mapped[str] = mapped_column(String(200), default="")
    external_ref: Mapped[str | None] = mapped_column(String(500))  # DAM id or URL
    # Files under MEDIA_DIR (names chosen by the app, never by the uploader).
    original_name: Mapped[str | None] = mapped_column(String(80))
    original_type: Mapped[str | None] = mapped_column(String(40))
    original_size: Mapped[int | None] = mapped_column(Integer)
    original_sha256: Mapped[str | None] = mapped_column(String(64))
    served_name: Mapped[str | None] = mapped_column(String(80))  # re-encoded without metadata
    thumb_name: Mapped[str | None] = mapped_column(String(80))  # JPEG without metadata
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User] = relationship(lazy="raise")


class AssetTag(db.Model):  # type: ignore[name-defined]
    """Someone was tagged in (or untagged from) an asset. Append-only: the latest row wins."""

    __tablename__ = "asset_tag"
    __table_args__ = (Index("ix_asset_tag_latest", "asset_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("media_asset.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    present: Mapped[bool] = mapped_column(Boolean, default=True)  # False: untagged
    tagged_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    tagged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mac: Mapped[str | None] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")


# Whether the person was ever tagged in an asset, read in the same statement as the sign-in check
# (app.people.sessions) and kept for the request in its WSGI environ as (user id, answer): "My
# image" lists the assets a person appears in, and most people appear in none.
TAGGED_IN_ASSETS_KEY = "charte.tagged_in_assets"


def tagged_in_assets(user_id: Any) -> Any:
    """A boolean subquery: was this person ever tagged in an asset (a column or a value)?"""
    return select(AssetTag.id).where(AssetTag.user_id == user_id).exists()


class AssetPublication(db.Model):  # type: ignore[name-defined]
    """The asset was published on a channel, after the publication check it stores. Append-only.

    `check_id` is the check run at publication (its answers say whose consent it relied on);
    `override_reason` is set when someone in it had not consented and an override was allowed.
    """

    __tablename__ = "asset_publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("media_asset.id"), index=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("publication_check.id"), index=True)
    purpose_id: Mapped[int] = mapped_column(ForeignKey("consent_purpose.id"))
    medium: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(120))
    location: Mapped[str] = mapped_column(String(500))  # URL or reference
    published_on: Mapped[date] = mapped_column(Date)
    override_reason: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mac: Mapped[str | None] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(32))

    asset: Mapped[MediaAsset] = relationship(lazy="raise")
    check: Mapped[PublicationCheck] = relationship(lazy="raise")
    purpose: Mapped[ConsentPurpose] = relationship(lazy="raise")
    recorded_by: Mapped[User] = relationship(lazy="raise")


class AssetTakedown(db.Model):  # type: ignore[name-defined]
    """Communications acted on a publication after someone's consent ended. Append-only.

    Keyed like a publication review by the consent event that ended it, so that a later
    grant-then-revoke asks again. `outcome` removed (on `removed_on`) or kept (with `reason`).
    """

    __tablename__ = "asset_takedown"

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("asset_publication.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    trigger_event_id: Mapped[int] = mapped_column(ForeignKey("consent_event.id"))
    outcome: Mapped[str] = mapped_column(String(10))  # TakedownOutcome
    removed_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mac: Mapped[str | None] = mapped_column(String(64))
    key_id: Mapped[str | None] = mapped_column(String(32))

    publication: Mapped[AssetPublication] = relationship(lazy="raise")
    decided_by: Mapped[User] = relationship(foreign_keys=[decided_by_id], lazy="raise")


class AssetTagPass(db.Model):  # type: ignore[name-defined]
    """A personal, short-lived code a person shows to a photographer to be tagged (QR code).

    Only the SHA-256 of the random code is stored; a pass is used once (`used_at`)."""

    __tablename__ = "asset_tag_pass"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_on_asset_id: Mapped[int | None] = mapped_column(ForeignKey("media_asset.id"))
