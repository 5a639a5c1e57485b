"""The signed-in browsers section of a person's Me page (`hooks.me_sections`)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.core.me_sections import MeContext, MeSection
from app.models.user import User
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
