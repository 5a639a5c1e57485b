"""Who may do what: role checks on routes and ownership checks on records."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, request
from flask_login import current_user, login_required

from app.models.user import Role

F = TypeVar("F", bound=Callable[..., Any])

# Read-only HR pages (GET): HR, admins and auditors. Anything that changes state stays Role.HR.
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
HR_READERS: tuple[Role, ...] = (Role.HR, Role.AUDITOR)
# Who may see and act on everyone's image consent (admin holds HR's rights). Communications checks
# consent before publishing; it never sees training scores (no other HR page admits it).
CONSENT_MANAGERS: tuple[Role, ...] = (Role.HR, Role.COMMUNICATIONS)
# Who may read the consent pages: auditors too (role_required refuses them anything but GET).
CONSENT_READERS: tuple[Role, ...] = (*CONSENT_MANAGERS, Role.AUDITOR)
# The groups templates use to decide which links to show, under the same names in lower case.
TEMPLATE_ROLE_GROUPS = {
    "consent_managers": CONSENT_MANAGERS,
    "consent_readers": CONSENT_READERS,
    "hr_writer_roles": (Role.HR,),
}


# How far each role reaches: nobody may act on the account (invite, reset, deactivate) of someone
# who ranks above them, or they could sign in as that person. Auditor and communications see less
# than HR and change nothing HR could not.
ROLE_RANK: dict[Role, int] = {
    Role.EMPLOYEE: 0,
    Role.COMMUNICATIONS: 1,
    Role.AUDITOR: 1,
    Role.HR: 2,
    Role.ADMIN: 3,
}


def may_manage_account(actor: Any, person: Any) -> bool:
    """True when the actor may send or see links for, or deactivate, this person's account."""
    return ROLE_RANK[Role(person.role)] <= ROLE_RANK[Role(actor.role)]


def role_required(*roles: Role) -> Callable[[F], F]:
    """Require sign-in, then one of the roles: anonymous users go to sign-in, others get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(*roles):
                abort(403)
            # An auditor changes nothing, whatever a route allows.
            if current_user.role == Role.AUDITOR and request.method not in SAFE_METHODS:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def role_labels() -> dict[str, str]:
    """Each role's name in the interface language."""
    from flask_babel import gettext as _

    return {
        Role.EMPLOYEE.value: _("Employee"),
        Role.HR.value: _("HR"),
        Role.ADMIN.value: _("Administrator"),
        Role.AUDITOR.value: _("Auditor"),
        Role.COMMUNICATIONS.value: _("Communications"),
    }


def owned_or_404(record: Any, owner_id: int | None) -> Any:
    """Return the record if the signed-in user owns it; anything else is 'not found' (404).

    Another person's record answers 404 rather than 403 so that its existence is not revealed.
    """
    if record is None or owner_id != current_user.id:
        abort(404)
    return record
