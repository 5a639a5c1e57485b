"""Single sign-on rules: who may sign in with the identity provider, and who still uses a password.

The OpenID Connect protocol itself (redirects, state, PKCE, token checks) lives in app/sso/;
this module receives claims that Authlib has already verified and decides what they allow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core import audit, settings
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.extensions import db
from app.models.types import utcnow
from app.models.user import Role, User
from app.people import accounts

SECTION = _l("Single sign-on")
CREATE_USERS = settings.SettingSpec(
    "sso.create_users",
    "bool",
    False,
    _l("Create an account on first single sign-on"),
    SECTION,
    _l(
        "When on, a person whose verified company email has no account yet gets one the first "
        "time they sign in with the company account. When off, HR must invite them first."
    ),
)
PASSWORD_ADMINS_ONLY = settings.SettingSpec(
    "sso.password_login_for_admins_only",
    "bool",
    False,
    _l("Password sign-in for administrators only"),
    SECTION,
    _l(
        "When on (and single sign-on is configured), everyone else must sign in with the "
        "company account; administrators keep their password as a way in if the identity "
        "provider is down."
    ),
)

_RANK = {Role.EMPLOYEE: 0, Role.HR: 1, Role.ADMIN: 2}


class SSOFailure(Exception):
    """A single sign-on attempt was refused; it has been audited and `message` says why."""

    def __init__(self, reason: str, message: str):
        super().__init__(reason)
        self.reason = reason
        self.message = message


def enabled() -> bool:
    """True when an OpenID provider is configured (OIDC_ISSUER is set)."""
    return bool(current_app.config.get("OIDC_ISSUER"))


def password_login_restricted() -> bool:
    """True when only administrators may sign in with a password."""
    return enabled() and bool(settings.get(PASSWORD_ADMINS_ONLY))


def password_login_allowed(user: User) -> bool:
    """May this account sign in (or reset its password) with a password?"""
    return not password_login_restricted() or user.has_role(Role.ADMIN)


def parse_role_map(raw: str | None) -> dict[str, Role]:
    """Parse OIDC_ROLE_MAP ("group=role,group=role"); a role other than Charte's is an error."""
    mapping: dict[str, Role] = {}
    for item in (raw or "").split(","):
        if not item.strip():
            continue
        value, sep, role = item.rpartition("=")
        if not sep or not value.strip():
            raise ValueError(f"OIDC_ROLE_MAP entry {item.strip()!r} must look like value=role")
        try:
            mapping[value.strip()] = Role(role.strip().lower())
        except ValueError as exc:
            raise ValueError(
                f"OIDC_ROLE_MAP entry {item.strip()!r}: the role must be employee, hr or admin"
            ) from exc
    return mapping


def _messages() -> dict[str, str]:
    unverifiable = _("The answer from your company's sign-in service could not be verified.")
    return {
        "provider_error": _("Sign-in with your company account was cancelled or refused."),
        "state_mismatch": _(
            "This sign-in answer does not match a sign-in started from this browser, or it has "
            "expired. Please start again."
        ),
        "nonce_mismatch": unverifiable + " " + _("Please start again."),
        "id_token_invalid": unverifiable + " " + _("Please start again."),
        "issuer_mismatch": unverifiable + " " + _("Ask your IT team to check the configuration."),
        "token_exchange_failed": _(
            "Your company's sign-in service refused to complete the sign-in. Please start again."
        ),
        "provider_unreachable": _(
            "Your company's sign-in service cannot be reached right now. Try again in a moment."
        ),
        "email_missing": _("Your company account did not share an email address with Charte."),
        "email_invalid": _("The email address of your company account cannot be used here."),
        "email_unverified": _(
            "The email address of your company account is not verified. Ask your IT team."
        ),
        "no_account": _("There is no account for this email. Ask HR to invite you."),
        "account_deactivated": _("This account is deactivated. Ask HR if this is a mistake."),
    }


def fail(
    reason: str,
    *,
    client: ClientInfo,
    subject: User | None = None,
    details: Mapping[str, Any] | None = None,
) -> SSOFailure:
    """Audit a refused sign-on ("auth.sso_failed") and return the failure to show; no tokens."""
    audit.record(
        AuditAction.AUTH_SSO_FAILED,
        actor=None,
        subject=subject,
        target_type="user" if subject else "",
        target_id=subject.id if subject else "",
        details={"reason": reason, **(details or {})},
        client=client,
    )
    db.session.commit()
    return SSOFailure(reason, _messages()[reason])


def _verified(claims: Mapping[str, Any]) -> bool:
    # Some providers send the boolean as a string.
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _role_from(claims: Mapping[str, Any]) -> Role:
    claim = current_app.config.get("OIDC_ROLE_CLAIM")
    if not claim:
        return Role.EMPLOYEE
    mapping = parse_role_map(current_app.config.get("OIDC_ROLE_MAP"))
    raw = claims.get(claim)
    values = raw if isinstance(raw, list) else [raw]
    roles = [mapping[v] for v in values if isinstance(v, str) and v in mapping]
    return max(roles, key=_RANK.__getitem__, default=Role.EMPLOYEE)


def _department_from(claims: Mapping[str, Any]) -> str:
    claim = current_app.config.get("OIDC_DEPARTMENT_CLAIM")
    raw = claims.get(claim) if claim else None
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    return str(raw).strip()[:120] if raw else ""


def _new_user(email: str, claims: Mapping[str, Any], client: ClientInfo) -> User:
    name = accounts.strip_bidi_controls(str(claims.get("name") or "")).strip()
    name = name or email.split("@", 1)[0]
    locale = str(claims.get("locale") or "")[:2].lower()
    if locale not in current_app.config["CHARTE_LOCALES"]:
        locale = current_app.config["CHARTE_DEFAULT_LOCALE"]
    return accounts.create_user(
        accounts.NewUser(
            email=email,
            full_name=name[:200],
            role=_role_from(claims),
            department=_department_from(claims),
            locale=locale,
        ),
        actor=None,
        client=client,
    )


def sign_in(claims: Mapping[str, Any], *, client: ClientInfo) -> User:
    """Return the account for verified ID-token claims, creating it if allowed; else SSOFailure."""
    email = str(claims.get("email") or "").strip().lower()
    if not email:
        raise fail("email_missing", client=client)
    if not _verified(claims):
        raise fail("email_unverified", client=client, details={"email": email})
    user = accounts.find_by_email(email)
    if user is None:
        if not settings.get(CREATE_USERS):
            raise fail("no_account", client=client, details={"email": email})
        try:
            user = _new_user(email, claims, client)
        except accounts.AccountError:
            db.session.rollback()
            raise fail("email_invalid", client=client, details={"email": email}) from None
    elif not user.active:
        raise fail("account_deactivated", client=client, subject=user)
    user.last_login_at = utcnow()
    audit.record(
        AuditAction.AUTH_SIGNED_IN,
        actor=user,
        subject=user,
        target_type="user",
        target_id=user.id,
        details={"method": client.auth_method},
        client=client,
    )
    db.session.commit()
    return user
