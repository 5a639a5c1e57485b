"""Helpers shared by the privacy tests: real scan files, and people with records."""

from __future__ import annotations

import io
import struct
import zlib

from reportlab.pdfgen import canvas

from app.consent import texts
from app.core.client import ClientInfo
from app.models.user import User
from app.policy import signing
from tests.conftest import PASSWORD
from tests.consent_helpers import CLIENT, decide
from tests.policy_helpers import publish


def pdf_bytes(text: str = "Signed paper form") -> bytes:
    """A real one-page PDF."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def png_bytes() -> bytes:
    """A real 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def with_records(user: User, *, purposes: bool = True) -> None:
    """A policy signature and two consent decisions for the person."""
    from app.policy import versions

    if versions.current_version() is None:
        publish(1)
    signing.sign(
        user,
        version_number=1,
        locale="en",
        typed_name=user.full_name,
        password=PASSWORD,
        client=CLIENT,
    )
    if purposes and not texts.purposes():
        texts.sync_from_files(actor=None, client=ClientInfo.system())
    decide(user, "company-website", "photo", "granted")
    decide(user, "company-website", "video", "refused")


def reminded(user: User, *, by_hr: User | None = None, days_ago: int = 2) -> None:
    """A reminder sent to the person, listing an overdue policy signature and a module."""
    from datetime import timedelta

    from app.extensions import db
    from app.models.reminder import ReminderSent
    from app.models.types import utcnow

    sent_at = utcnow() - timedelta(days=days_ago)
    db.session.add(
        ReminderSent(
            user_id=user.id,
            claim=sent_at.date().isoformat(),
            sent_at=sent_at,
            items=[
                {"key": "policy", "due_on": "2026-11-01", "overdue": True},
                {"key": "module:why-a-policy", "due_on": "2026-12-24", "overdue": False},
            ],
            sent_by_id=by_hr.id if by_hr else None,
        )
    )
    db.session.commit()
