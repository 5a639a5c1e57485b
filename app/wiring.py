"""Connections between areas, made in one place so that no area imports another's internals.

Each area exposes a registry or a signal; this module plugs them together once per process.
"""

from __future__ import annotations

from flask_babel import gettext as _

from app.models.user import User

_connected = False


def _required_modules_check(user: User) -> str | None:
    from app.services.progress import required_modules_completed

    if required_modules_completed(user):
        return None
    return _("Complete the required modules of your programme before signing the policy.")


def connect_areas() -> None:
    """Register cross-area hooks (idempotent: create_app runs many times in tests)."""
    global _connected
    if _connected:
        return
    # Importing these modules registers their evidence verifiers and verification lookups.
    from app.services import acknowledgement_checks, acknowledgements, receipts  # noqa: F401

    acknowledgements.SIGNING_PREREQUISITES.append(_required_modules_check)
    _connected = True
