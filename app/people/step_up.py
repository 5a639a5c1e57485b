"""Step-up re-authentication for people without a password (single sign-on accounts).

Before an action that needs proof of intent (signing the policy), the person proves again that
they are at the keyboard: by a fresh sign-in at the identity provider (`prompt=login`,
`max_age=0`, and the ID token's `auth_time` must be recent and later than the request), or, when
the provider cannot force one (admin setting or provider metadata), by a six-digit code sent to
their email. Each proof is bound to one pending action (a `StepUp` row: its state and nonce, or
its code), belongs to one person, expires, and is used once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import smtplib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

import requests
from flask import current_app, redirect, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, delete, select, update

from app.core import audit, settings
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.core.mail import mail_configured, send_mail
from app.extensions import db
from app.models.step_up import StepUp
from app.models.types import utcnow
from app.models.user import User
from app.people import oidc, sso
from app.web import public_url

log = logging.getLogger(__name__)

SSO_STEP_UP = "sso_step_up"
EMAIL_CODE = "email_code"
# How recent the sign-in at the provider must be, and how long a proof may wait to be used.
FRESH = timedelta(minutes=5)
# Clocks of Charte and the provider may differ a little.
CLOCK_SKEW = timedelta(seconds=10)
ROUND_TRIP = timedelta(minutes=10)  # to come back from the provider, or to type the code
CODE_ATTEMPTS = 5

STEP_UP_AT_PROVIDER = settings.SettingSpec(
    "sso.step_up_at_provider",
    "bool",
    True,
    _l("Confirm signatures by a new sign-in at the identity provider"),
    sso.SECTION,
    _l(
        "People without a password confirm their signature of the policy by signing in again "
        "with the company account. When off, or when the provider says it cannot force a new "
        "sign-in, they receive a one-time code by email instead."
    ),
)


class StepUpError(Exception):
    """The proof was refused or cannot be given; `message` says why, for the person."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message


def _messages() -> dict[str, str]:
    again = _("Nothing was signed. Start again from the policy page.")
    return {
        "unavailable": _(
            "Your signature cannot be confirmed right now: neither a new sign-in with your "
            "company account nor a code by email is available. Ask HR to record a paper "
            "signature."
        ),
        "expired": _("This confirmation has expired.") + " " + again,
        "used": _("This confirmation was already used.") + " " + again,
        "not_proved": _("Your signature was not confirmed.") + " " + again,
        "stale_auth_time": _(
            "Your company's sign-in service did not ask you to sign in again, so your identity "
            "could not be confirmed. If this keeps happening, ask your IT team."
        )
        + " "
        + again,
        "other_account": _(
            "You confirmed with another company account than the one signed in here."
        )
        + " "
        + again,
        "sso_refused": _("The confirmation with your company account failed.") + " " + again,
        "wrong_code": _("This code is not right."),
        "mail_failed": _("The code could not be sent by email. Try again in a moment."),
        "too_many_attempts": _("Too many wrong codes.") + " " + again,
    }


def message(reason: str) -> str:
    """What to tell the person about a refused or failed step-up."""
    return _messages().get(reason, _messages()["not_proved"])


def needs_step_up(user: User) -> bool:
    """True for people who cannot confirm with a password (none set, or SSO-only sign-in)."""
    return not user.password_hash or not sso.password_login_allowed(user)


def provider_can_step_up(metadata: Mapping[str, Any]) -> bool:
    """Can the provider force a fresh sign-in and say when it happened (discovery metadata)?

    Providers that list their claims or prompt values must list `auth_time` and `login`; most
    providers list neither, and then the answer is checked on its return instead.
    """
    claims = metadata.get("claims_supported")
    prompts = metadata.get("prompt_values_supported")
    if isinstance(claims, list) and "auth_time" not in claims:
        return False
    return not (isinstance(prompts, list) and "login" not in prompts)


def method_for(user: User) -> str:
    """How this person will confirm: at the provider when it can, else by email; or refuse."""
    client = current_app.extensions.get(oidc.EXTENSION_KEY)
    if client is not None and settings.get(STEP_UP_AT_PROVIDER):
        try:
            if provider_can_step_up(oidc.load_metadata(client)):
                return SSO_STEP_UP
        except (oidc.IssuerMismatch, requests.RequestException, ValueError):
            log.warning("identity provider unavailable for step-up; offering an email code")
    if mail_configured():
        return EMAIL_CODE
    raise StepUpError("unavailable", message("unavailable"))


def _code_hmac(step_id: int, code: str) -> str:
    key = str(current_app.secret_key).encode()
    return hmac.new(key, f"step-up:{step_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _state_sha256(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def begin(
    user: User,
    *,
    purpose: str,
    payload: Mapping[str, Any],
    method: str,
    return_path: Callable[[int], str],
    client: ClientInfo,
    now: datetime | None = None,
) -> tuple[StepUp, str]:
    """Record a pending step-up; return it with its secret (the OAuth state, or the email code).

    For an email code, the code is mailed here (in the person's language) and only its HMAC kept.
    """
    now = now or utcnow()
    forget_expired(now)
    step = StepUp(
        user_id=user.id,
        purpose=purpose,
        payload=json.dumps(dict(payload), sort_keys=True),
        method=method,
        created_at=now,
        expires_at=now + ROUND_TRIP,
        attempts=0,
    )
    secret = secrets.token_urlsafe(32)
    if method == SSO_STEP_UP:
        step.state_sha256 = _state_sha256(secret)
        step.nonce = secrets.token_urlsafe(32)
    db.session.add(step)
    db.session.flush()
    step.return_path = return_path(step.id)
    if method == EMAIL_CODE:
        secret = f"{secrets.randbelow(10**6):06d}"
        step.code_hmac = _code_hmac(step.id, secret)
        try:
            _mail_code(user, secret)
        except (OSError, smtplib.SMTPException):
            log.exception("could not mail a step-up code")
            db.session.rollback()
            raise StepUpError("mail_failed", message("mail_failed")) from None
        audit.record(
            AuditAction.AUTH_STEP_UP_CODE_SENT,
            actor=user,
            subject=user,
            target_type="step_up",
            target_id=step.id,
            details={"purpose": purpose},
            client=client,
        )
    db.session.commit()
    return step, secret


def forget_expired(now: datetime | None = None) -> int:
    """Blank the pending action (the typed name) of every expired step-up never used; return how many.

    An abandoned step-up would otherwise keep the name someone typed for as long as the row
    lives. Run whenever anyone starts a step-up, by the retention run and by
    `flask users prune-step-ups`; the rows themselves stay (method, times, failure) for support.
    """
    now = now or utcnow()
    return _rowcount(
        update(StepUp)
        .where(StepUp.expires_at < now, StepUp.payload != "{}")
        .values(payload="{}")
        .execution_options(synchronize_session=False)
    )


def forget_person(user: User, *, former_email: str) -> dict[str, int]:
    """Retention purge (`hooks.person_pseudonymised`): delete the person's step-ups.

    They are workflow state, not evidence (the signature's audit entry keeps the method and
    times), and a pending one holds the name they typed.
    """
    deleted = _rowcount(
        delete(StepUp).where(StepUp.user_id == user.id).execution_options(synchronize_session=False)
    )
    return {"step_up": deleted}


def _mail_code(user: User, code: str) -> None:
    with force_locale(user.locale):
        subject = _("Your code to confirm your signature")
        body = _(
            "Hello %(name)s,\n\nYour code to confirm your signature in Charte is: %(code)s\n\n"
            "It is valid for 10 minutes and can be used once. If you did not ask to sign "
            "anything, ignore this message and tell your IT team.",
            name=user.full_name,
            code=code,
        )
    send_mail(user.email, subject, body)


def provider_origins() -> list[str]:
    """Origins of the provider's issuer and authorization endpoint (for the page's CSP)."""
    client = current_app.extensions.get(oidc.EXTENSION_KEY)
    if client is None:
        return []
    urls = [current_app.config.get("OIDC_ISSUER") or ""]
    urls.append(str((client.server_metadata or {}).get("authorization_endpoint") or ""))
    origins = []
    for url in urls:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
        if origin and origin not in origins and parts.scheme in ("https", "http"):
            origins.append(origin)
    return origins


def redirect_to_provider(step: StepUp, state: str, user: User):
    """Send the browser to the provider, asking for a new sign-in (prompt=login, max_age=0)."""
    client = oidc.client_or_404()
    return client.authorize_redirect(
        public_url("sso.callback"),
        state=state,
        nonce=step.nonce,
        prompt="login",
        max_age=0,
        login_hint=user.email,
    )


def find_by_state(state: str | None) -> StepUp | None:
    """The step-up an OAuth state belongs to (used or not), or None: a plain sign-in."""
    if not state:
        return None
    return db.session.scalar(select(StepUp).where(StepUp.state_sha256 == _state_sha256(state)))


def get_own(step_id: int, user: User) -> StepUp | None:
    """One of this person's step-ups; None for anyone else's (the caller answers 404)."""
    step = db.session.get(StepUp, step_id)
    return step if step is not None and step.user_id == user.id else None


def fail(step: StepUp, reason: str, *, client: ClientInfo, **details: Any) -> StepUpError:
    """Audit a refused step-up, make it unusable, and return the error to show."""
    if step.failure is None and step.used_at is None:
        step.failure = reason
        step.payload = "{}"  # a spent step-up keeps no personal detail
    audit.record(
        AuditAction.AUTH_STEP_UP_FAILED,
        actor=db.session.get(User, step.user_id),
        subject=db.session.get(User, step.user_id),
        target_type="step_up",
        target_id=step.id,
        details={"reason": reason, "method": step.method, "purpose": step.purpose, **details},
        client=client,
    )
    db.session.commit()
    return StepUpError(reason, message(reason))


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def refuse_replay(step: StepUp, *, client: ClientInfo) -> StepUpError | None:
    """An answer for a step-up already answered (a replayed state): refuse it; else None."""
    if step.proved_at is None and step.used_at is None and step.failure is None:
        return None
    return fail(step, "used", client=client, replayed=True)


def complete_sso(
    step: StepUp,
    user: User,
    claims: Mapping[str, Any],
    *,
    client: ClientInfo,
    now: datetime | None = None,
) -> None:
    """Check the provider's verified claims against the pending step-up; raise StepUpError."""
    now = now or utcnow()
    if now > _as_utc(step.expires_at):
        raise fail(step, "expired", client=client)
    if claims.get("nonce") != step.nonce:
        raise fail(step, "sso_refused", client=client, error="nonce")
    email = str(claims.get("email") or "").strip().lower()
    verified = claims.get("email_verified") in (True, "true", "True")
    if not verified or email != user.email.lower():
        raise fail(step, "other_account", client=client)
    raw = claims.get("auth_time")
    if not isinstance(raw, int | float) or isinstance(raw, bool):
        raise fail(step, "stale_auth_time", client=client, auth_time=None)
    auth_time = datetime.fromtimestamp(raw, tz=UTC)
    started = _as_utc(step.created_at)
    if auth_time < started - CLOCK_SKEW or now - auth_time > FRESH or auth_time > now + CLOCK_SKEW:
        raise fail(step, "stale_auth_time", client=client, auth_time=auth_time.isoformat())
    step.auth_time = auth_time
    step.proved_at = now
    db.session.commit()


def check_code(step: StepUp, code: str, *, client: ClientInfo, now: datetime | None = None) -> None:
    """Check a typed email code (expiry, tries left, single use); raise StepUpError if wrong."""
    now = now or utcnow()
    if step.method != EMAIL_CODE:
        raise StepUpError("not_proved", message("not_proved"))
    if step.used_at is not None or step.proved_at is not None:
        raise fail(step, "used", client=client)
    if step.failure is not None:
        raise StepUpError(step.failure, message(step.failure))
    if now > _as_utc(step.expires_at):
        raise fail(step, "expired", client=client)
    # Count the try before comparing, atomically, so parallel guesses cannot exceed the limit.
    counted = _rowcount(
        update(StepUp)
        .where(StepUp.id == step.id, StepUp.attempts < CODE_ATTEMPTS)
        .values(attempts=StepUp.attempts + 1)
    )
    db.session.commit()
    if counted != 1:
        raise fail(step, "too_many_attempts", client=client)
    typed = "".join(ch for ch in code if ch.isdigit())
    if not hmac.compare_digest(_code_hmac(step.id, typed), step.code_hmac or ""):
        db.session.refresh(step)
        if step.attempts >= CODE_ATTEMPTS:
            raise fail(step, "too_many_attempts", client=client)
        audit.record(
            AuditAction.AUTH_STEP_UP_FAILED,
            actor=db.session.get(User, step.user_id),
            subject=db.session.get(User, step.user_id),
            target_type="step_up",
            target_id=step.id,
            details={"reason": "wrong_code", "method": step.method, "attempt": step.attempts},
            client=client,
        )
        db.session.commit()
        raise StepUpError(
            "wrong_code",
            message("wrong_code")
            + " "
            + _("Tries left: %(count)d.", count=CODE_ATTEMPTS - step.attempts),
        )
    step.proved_at = now
    db.session.commit()


def consume(
    step: StepUp, user: User, purpose: str, *, now: datetime | None = None
) -> dict[str, Any]:
    """Use a proved step-up once (atomically); return its payload, or raise StepUpError."""
    now = now or utcnow()
    payload = dict(json.loads(step.payload or "{}"))
    used = _rowcount(
        update(StepUp)
        .where(
            StepUp.id == step.id,
            StepUp.user_id == user.id,
            StepUp.purpose == purpose,
            StepUp.used_at.is_(None),
            StepUp.failure.is_(None),
            StepUp.proved_at.is_not(None),
            StepUp.proved_at >= now - FRESH,
        )
        # The pending action's details (a typed name) are not kept once used.
        .values(used_at=now, payload="{}")
    )
    db.session.commit()
    if used != 1:
        db.session.refresh(step)
        if step.failure is not None:
            reason = step.failure
        elif step.used_at is not None:
            reason = "used"
        elif step.proved_at is None:
            reason = "not_proved"
        else:
            reason = "expired"
        raise StepUpError(reason, message(reason))
    db.session.refresh(step)
    return payload


def _rowcount(statement) -> int:
    """Rows changed by an UPDATE (the guard that makes a check-and-set atomic)."""
    result = cast(CursorResult, db.session.execute(statement))
    return result.rowcount


def evidence_details(step: StepUp) -> dict[str, Any]:
    """What the signature's audit entry records about the proof of intent."""
    details: dict[str, Any] = {"intent_proved_by": step.method}
    if step.auth_time is not None:
        details["auth_time"] = _as_utc(step.auth_time).isoformat()
    if step.proved_at is not None:
        details["proved_at"] = _as_utc(step.proved_at).isoformat()
    return details


def provider_redirect_or_code_page(step: StepUp, secret: str, user: User, code_endpoint: str):
    """Where the browser goes next: the provider (SSO) or the page to type the code."""
    if step.method == SSO_STEP_UP:
        return redirect_to_provider(step, secret, user)
    return redirect(url_for(code_endpoint, step_id=step.id))
