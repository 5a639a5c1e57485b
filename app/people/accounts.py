"""Accounts: creation, sign-in, invitations, password changes, deactivation."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from app.core import audit
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.core.mail import mail_configured, send_mail
from app.extensions import db
from app.models.types import utcnow
from app.models.user import Role, User, hash_password
from app.people import sessions

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10
INVITATION = "invitation"
PASSWORD_RESET = "password-reset"  # noqa: S105 - a token purpose, not a password
# Compared against when the email is unknown, so a failed sign-in takes the same time either way;
# one per hashing method, computed on first use (not at import: every CLI call would pay it).
_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = hash_password("charte-timing-equaliser")
    return _DUMMY_HASHES[method]


class AccountError(ValueError):
    """A rule about accounts was broken; the message is shown to the user."""


class PasswordSignInRefused(AccountError):
    """The password was right, but this account must sign in another way (single sign-on)."""


# Invisible characters that reorder the text around them (embeddings, overrides, isolates and
# marks): in a name they could make a certificate or a receipt read differently from what was
# typed ("U+202E" turns "Anne\u202eeiram" into "Annemarie" on screen).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def has_bidi_controls(text: str) -> bool:
    """Whether the text holds an invisible text-direction character."""
    return any(ch in BIDI_CONTROLS for ch in text)


def strip_bidi_controls(text: str) -> str:
    """The text without invisible text-direction characters (for names an identity provider sends)."""
    return "".join(ch for ch in text if ch not in BIDI_CONTROLS)


def bidi_message() -> str:
    """Why a name with a text-direction character is refused, in the reader's language."""
    return _(
        "The name contains an invisible character that changes the direction of the text "
        "(such as U+202E). Type the name again without copying it."
    )


def normalise_email(raw: str) -> str:
    """Validate an address and return it lower-cased (emails are unique case-insensitively)."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise AccountError(_("“%(email)s” is not a valid email address.", email=raw)) from exc
    return result.normalized.lower()


def find_by_email(email: str) -> User | None:
    """Return the user with this email, ignoring case."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def check_new_password(password: str, confirm: str, user: User) -> None:
    """Refuse passwords that are short, mismatched or equal to the email."""
    if password != confirm:
        raise AccountError(_("The two passwords do not match."))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _("Choose a password of at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
        )
    if password.strip().lower() == user.email.lower():
        raise AccountError(_("Your password must not be your email address."))


@dataclass(frozen=True)
class NewUser:
    """The fields HR or a script gives to create an account."""

    email: str
    full_name: str
    role: Role = Role.EMPLOYEE
    department: str = ""
    job_title: str = ""
    start_date: date | None = None
    locale: str = "fr"


def create_user(
    data: NewUser,
    *,
    actor: User | None,
    client: ClientInfo | None = None,
    password: str | None = None,
) -> User:
    """Create an account (without password unless given: the person sets it from an invitation)."""
    email = normalise_email(data.email)
    if find_by_email(email):
        raise AccountError(_("An account with the email %(email)s already exists.", email=email))
    if not data.full_name.strip():
        raise AccountError(_("The full name is required."))
    if has_bidi_controls(data.full_name):
        raise AccountError(bidi_message())
    user = User(
        email=email,
        full_name=data.full_name.strip(),
        role=data.role.value,
        department=data.department.strip(),
        job_title=data.job_title.strip(),
        start_date=data.start_date,
        locale=data.locale if data.locale in current_app.config["CHARTE_LOCALES"] else "fr",
    )
    if password is not None:
        user.password_hash = hash_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(
        AuditAction.USER_CREATED,
        actor=actor,
        subject=user,
        target_type="user",
        target_id=user.id,
        details={"role": user.role, "department": user.department},
        client=client,
    )
    db.session.commit()
    return user


def authenticate(
    email: str,
    password: str,
    client: ClientInfo,
    allowed: Callable[[User], bool] | None = None,
) -> User | None:
    """Return the active user for these credentials, or None; every attempt is audited.

    `allowed` may refuse a password sign-in for some accounts (PasswordSignInRefused); it is
    asked only after the password matched, so the refusal reveals nothing to someone guessing.
    """
    user = find_by_email(email) if email else None
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password) or not user.active:
        audit.record(
            AuditAction.AUTH_SIGN_IN_FAILED,
            actor=None,
            subject=user,
            target_type="user",
            target_id=user.id,
            client=client,
        )
        db.session.commit()
        return None
    if allowed is not None and not allowed(user):
        audit.record(
            AuditAction.AUTH_SIGN_IN_FAILED,
            actor=None,
            subject=user,
            target_type="user",
            target_id=user.id,
            details={"reason": "password_sign_in_disabled"},
            client=client,
        )
        db.session.commit()
        raise PasswordSignInRefused(_("Password sign-in is reserved for administrators."))
    note_sign_in(user, client)
    return user


def note_sign_in(user: User, client: ClientInfo) -> None:
    """Record a successful sign-in: the time on the account and an audit entry (commits)."""
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


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"charte-{purpose}")


def _password_fingerprint(user: User) -> str:
    # Changes as soon as a password is set, which makes every earlier link single-use.
    return hashlib.sha256((user.password_hash or "none").encode()).hexdigest()[:16]


def invitable(user: User) -> bool:
    """True while the person has never chosen a password: only then may an invitation be issued."""
    return user.password_hash is None


def make_token(user: User, purpose: str) -> str:
    """A signed token for an invitation or a password reset.

    An invitation is refused for an account that already has a password: it would otherwise be
    a 7-day password reset handed to whoever sent it.
    """
    if purpose == INVITATION and not invitable(user):
        raise AccountError(_("This person has already chosen a password: send a reset link."))
    return _serializer(purpose).dumps({"uid": user.id, "fp": _password_fingerprint(user)})


def user_for_token(token: str, purpose: str, *, lock: bool = False) -> User | None:
    """Return the user a still-valid, unused token was issued for, else None.

    Both kinds are single-use: the token carries a fingerprint of the password hash, which
    changes as soon as a password is set. An invitation is also refused once the account has a
    password, whatever the fingerprint. `lock` holds the account's row until the transaction
    ends, so that two requests racing with the same token cannot both set a password.
    """
    max_age = current_app.config[
        "INVITATION_MAX_AGE_SECONDS" if purpose == INVITATION else "PASSWORD_RESET_MAX_AGE_SECONDS"
    ]
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    uid = payload.get("uid") if isinstance(payload, dict) else None
    if not isinstance(uid, int):
        return None
    query = select(User).where(User.id == uid)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    user = db.session.scalar(query)
    if user is None or not user.active or payload.get("fp") != _password_fingerprint(user):
        return None
    if purpose == INVITATION and not invitable(user):
        return None
    return user


def set_password(user: User, password: str, confirm: str, *, via: str, client: ClientInfo) -> None:
    """Set a new password from a valid link, which ends every other session."""
    check_new_password(password, confirm, user)
    user.set_password(password)
    sessions.end_all(user, sessions.PASSWORD_CHANGED)
    audit.record(
        AuditAction.AUTH_PASSWORD_SET,
        actor=user,
        subject=user,
        target_type="user",
        target_id=user.id,
        details={"via": via},
        client=client,
    )
    db.session.commit()


def send_link(
    user: User, link: str, purpose: str, *, actor: User | None, client: ClientInfo
) -> bool:
    """Mail an invitation or reset link; without mail, log it. Returns True when mailed."""
    with force_locale(user.locale):
        if purpose == INVITATION:
            subject = _("Your Charte account")
            body = _(
                "Hello %(name)s,\n\nAn account was created for you on Charte, where you will "
                "learn and sign the social-media policy. Choose your password here (the link "
                "can be used once and expires in 7 days):\n\n%(link)s\n",
                name=user.full_name,
                link=link,
            )
        else:
            subject = _("Reset your Charte password")
            body = _(
                "Hello %(name)s,\n\nSomeone asked to reset your Charte password. If it was you, "
                "choose a new one here (the link can be used once and expires in one hour):"
                "\n\n%(link)s\n\nIf it was not you, ignore this message.\n",
                name=user.full_name,
                link=link,
            )
    mailed = mail_configured()
    if mailed:
        send_mail(user.email, subject, body)
    else:
        log.warning("Mail is not configured; %s link for %s: %s", purpose, user.email, link)
    audit.record(
        AuditAction.USER_INVITED if purpose == INVITATION else AuditAction.AUTH_RESET_LINK_ISSUED,
        actor=actor,
        subject=user,
        target_type="user",
        target_id=user.id,
        details={"mailed": mailed},
        client=client,
    )
    db.session.commit()
    return mailed


def set_active(
    user: User, active: bool, *, actor: User, client: ClientInfo, details: dict | None = None
) -> None:
    """Deactivate (sign-in refused, every session ended) or reactivate an account.

    Nothing the person signed or consented to is touched: evidence outlives the account.
    """
    set_active_many([user], active, actor=actor, client=client, details={user.id: details})


def set_active_many(
    users: list[User],
    active: bool,
    *,
    actor: User,
    client: ClientInfo,
    details: dict[int, dict | None] | None = None,
) -> None:
    """set_active for several accounts in one transaction: one audit entry per person (with
    `details[person id]`), their sessions ended in bounded statements, one commit.

    Refused whole (nothing written) when the actor is among them.
    """
    if any(user.id == actor.id for user in users):
        raise AccountError(_("You cannot deactivate your own account."))
    changing = [user for user in users if user.active != active]
    if not changing:
        return
    now = utcnow()
    for user in changing:
        user.active = active
        user.deactivated_at = None if active else now
    if not active:
        sessions.end_all_many(changing, sessions.DEACTIVATED)
    action = AuditAction.USER_REACTIVATED if active else AuditAction.USER_DEACTIVATED
    audit.record_many(
        [
            audit.Entry(
                action,
                actor=actor,
                subject=user,
                target_type="user",
                target_id=user.id,
                details=(details or {}).get(user.id),
                client=client,
            )
            for user in changing
        ]
    )
    db.session.commit()
