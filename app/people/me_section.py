"""The signed-in browsers as a person sees them: on their Me page (`hooks.me_sections`) and in
their data export (`hooks.export_sections`)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.export_parts import ExportContext, ExportPart
from app.core.me_sections import MeContext, MeSection
from app.extensions import db
from app.models.user import User, UserSession
from app.people import sessions, signin
from app.people.auth_forms import SignOutForm


def sessions_section(user: User, ctx: MeContext) -> MeSection:
    """The person's open sessions, this browser marked, with buttons to end one or all."""
    return MeSection(
        "sessions",
        _("Signed-in browsers"),
        "auth/_me_sessions.html",
        {"sessions": sessions.active(user, signin.current_key()), "form": SignOutForm()},
    )


def sessions_export(user: User, ctx: ExportContext) -> ExportPart:
    """Every session row held about the person, open or ended but not yet pruned.

    Device, address and times are personal data (GDPR art. 15). The key hash is left out: it
    identifies a cookie, not the person, and tells them nothing.
    """
    rows = db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
    )
    return ExportPart(
        "sessions",
        [
            {
                "id": row.id,
                "device": row.device,
                "ip": row.ip,
                "auth_method": row.auth_method,
                "signed_in_at": row.created_at.isoformat(),
                "last_used_at": row.last_seen_at.isoformat(),
                "ended_at": row.revoked_at.isoformat() if row.revoked_at else None,
                "ended_because": row.revoked_reason,
            }
            for row in rows
        ],
    )
