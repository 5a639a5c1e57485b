"""Event photography without faces: a personal, short-lived code a photographer scans.

A person shows a QR code from their Me page; a photographer (communications or HR) on the
asset's phone page scans it, types it, or takes a photo of it, and the person is tagged on that
asset through the register's one tagging write path (register.set_tags: sealed, audited).

The code is 10 random Crockford base-32 characters (50 bits): it reveals nothing by itself.
Only its SHA-256 is stored; it lives PASS_MINUTES and is used once (the UPDATE that marks it used
only matches an unused row, so two scans at once tag once). Scanning is rate-limited per user.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import update

from app.consent.assets import register
from app.core.client import ClientInfo
from app.core.me_sections import MeContext, MeSection
from app.extensions import db
from app.models.asset import AssetTagPass, MediaAsset
from app.models.types import utcnow
from app.models.user import User
from app.pdf.qr import QUIET_ZONE, qr_matrix

PASS_MINUTES = 10
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
LENGTH = 10
# What people (or a camera) may misread, as Crockford's decoding reads it.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


class PassError(ValueError):
    """The code cannot tag anyone; the message says why."""


@dataclass(frozen=True)
class IssuedPass:
    """A code just made for its holder (shown once, never stored in clear)."""

    code: str
    expires_at: datetime


def normalise(raw: str) -> str:
    """The code as stored: upper case, no spaces or dashes, look-alike letters read as digits."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum()).translate(_READ_AS)


def _digest(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def issue(user: User, now: datetime | None = None) -> IssuedPass:
    """A new code for the person, valid PASS_MINUTES (their earlier codes stay until they end)."""
    now = now or utcnow()
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    code = f"{raw[:5]}-{raw[5:]}"
    expires = now + timedelta(minutes=PASS_MINUTES)
    db.session.add(AssetTagPass(user_id=user.id, token_sha256=_digest(code), expires_at=expires))
    db.session.commit()
    return IssuedPass(code, expires)


def redeem(
    raw: str,
    asset: MediaAsset,
    *,
    actor: User,
    client: ClientInfo,
    now: datetime | None = None,
) -> User:
    """Tag the code's holder on the asset and use the code up; PassError when it cannot."""
    now = now or utcnow()
    code = normalise(raw)
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        raise PassError(_("This is not a photo code: it has 10 letters and digits."))
    found = db.session.scalar(
        db.select(AssetTagPass).where(AssetTagPass.token_sha256 == _digest(code))
    )
    if found is None:
        raise PassError(_("Unknown code: ask the person to show a new one."))
    if found.used_at is not None:
        raise PassError(_("This code was already used: ask the person to show a new one."))
    if found.expires_at <= now:
        raise PassError(_("This code has expired: ask the person to show a new one."))
    person = db.session.get(User, found.user_id)
    if person is None or not person.active:
        raise PassError(_("Unknown code: ask the person to show a new one."))
    used = db.session.execute(
        update(AssetTagPass)
        .where(AssetTagPass.id == found.id, AssetTagPass.used_at.is_(None))
        .values(used_at=now, used_on_asset_id=asset.id)
    )
    if not getattr(used, "rowcount", 0):
        db.session.rollback()
        raise PassError(_("This code was already used: ask the person to show a new one."))
    # set_tags commits the use of the code with the tag (nothing to tag: committed here).
    if not register.set_tags(asset, [person], present=True, actor=actor, client=client):
        db.session.commit()
    return person


@dataclass(frozen=True)
class QrPicture:
    """What the template draws as an inline SVG: the side (modules) and one path of squares."""

    size: int
    path: str


def qr_picture(code: str) -> QrPicture:
    """The code as a QR symbol with its quiet zone, as an SVG path of dark squares."""
    matrix = qr_matrix(code)
    path = "".join(
        f"M{x + QUIET_ZONE} {y + QUIET_ZONE}h1v1h-1z"
        for y, row in enumerate(matrix)
        for x, dark in enumerate(row)
        if dark
    )
    return QrPicture(len(matrix) + 2 * QUIET_ZONE, path)


def me_section(user: User, ctx: MeContext) -> MeSection:
    """The Me page's "photo code" section (a button that shows a new code)."""
    return MeSection("photo-code", _("My photo code"), "me/_photo_code.html", None)
