"""Signing the policy: who may sign, the checks before signing, and the evidence recorded."""

from __future__ import annotations

import hashlib
import hmac
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.audit import AuditEvent
from app.models.policy import PolicyText, PolicyVersion
from app.models.types import utcnow
from app.models.user import User
from app.services import audit, codes, events, policy, settings
from app.services.client import ClientInfo

ALLOW_SIGNING_BEFORE_COMPLETION = settings.register(
    settings.SettingSpec(
        "policy.allow_signing_before_completion",
        "bool",
        False,
        _l("Allow signing the policy before the required modules are completed"),
        _l("Policy"),
        _l("When ticked, employees may sign without meeting the prerequisites (e.g. modules)."),
    )
)

# Each callable returns a translated reason why the user may not sign yet, or None.
# Other areas append theirs (e.g. "complete the required modules") when the app is built.
SIGNING_PREREQUISITES: list[Callable[[User], str | None]] = []
# Called with each new acknowledgement inside its transaction, before the commit (webhook outbox).
SIGNED_HOOKS: list[Callable[[Acknowledgement], None]] = []


class SigningError(ValueError):
    """The signature was refused; `field` names the form field at fault ("" for the whole form)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SignResult:
    """The acknowledgement and whether this request created it (False: it already existed)."""

    acknowledgement: Acknowledgement
    created: bool


def normalise_name(name: str) -> str:
    """Compare names ignoring case, accents and extra spaces ("  ÉLODIE  employee" = "Élodie Employée")."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def statement_for(version: int, locale: str) -> str:
    """The explicit statement the signer ticks, in the language of the text they read."""
    with force_locale(locale):
        return _(
            "I have read and understood the social-media policy of %(organisation)s, "
            "version %(version)d, and I undertake to follow it.",
            organisation=settings.get(settings.ORGANISATION_NAME),
            version=version,
        )


def blocking_reasons(user: User) -> list[str]:
    """Why the user may not sign yet (empty when they may)."""
    if settings.get(ALLOW_SIGNING_BEFORE_COMPLETION):
        return []
    return [reason for check in SIGNING_PREREQUISITES if (reason := check(user))]


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_mac(ack: Acknowledgement, version_number: int) -> str:
    """HMAC-SHA256 over every recorded field, keyed from SECRET_KEY."""
    payload = audit.canonical_json(
        {
            "user_id": ack.user_id,
            "policy_version_id": ack.policy_version_id,
            "policy_version": version_number,
            "locale": ack.locale,
            "text_sha256": ack.text_sha256,
            "statement": ack.statement,
            "typed_name": ack.typed_name,
            "signed_at": _timestamp(ack.signed_at),
            "ip": ack.ip,
            "user_agent": ack.user_agent,
            "auth_method": ack.auth_method,
            "code": ack.code,
        }
    )
    return hmac.new(
        audit.evidence_key("acknowledgement"), payload.encode(), hashlib.sha256
    ).hexdigest()


def find(user: User, version: PolicyVersion) -> Acknowledgement | None:
    """The user's acknowledgement of this version, if any."""
    return db.session.scalar(
        select(Acknowledgement).where(
            Acknowledgement.user_id == user.id, Acknowledgement.policy_version_id == version.id
        )
    )


def sign(
    user: User,
    *,
    version_number: int,
    locale: str,
    typed_name: str,
    password: str,
    client: ClientInfo,
    now: datetime | None = None,
) -> SignResult:
    """Record the user's signature of the current version, or raise SigningError (nothing saved).

    Signing a version already signed records nothing and returns the existing acknowledgement.
    """
    reasons = blocking_reasons(user)
    if reasons:
        raise SigningError(reasons[0])
    current = policy.current_version()
    if current is None:
        raise SigningError(_("No version of the policy has been published yet."))
    if current.version != version_number:
        raise SigningError(
            _(
                "A new version of the policy was published while you were reading. Read it and sign again."
            )
        )
    existing = find(user, current)
    if existing is not None:
        return SignResult(existing, created=False)
    text = next((t for t in current.texts if t.locale == locale), None)
    if text is None:
        raise SigningError(_("Reload the page and sign again."))
    if not typed_name.strip() or normalise_name(typed_name) != normalise_name(user.full_name):
        raise SigningError(
            _(
                "Type your full name exactly as it appears on your account: %(name)s.",
                name=user.full_name,
            ),
            "typed_name",
        )
    if not user.check_password(password):
        raise SigningError(_("Your password is incorrect."), "password")
    ack = Acknowledgement(
        user_id=user.id,
        policy_version_id=current.id,
        locale=text.locale,
        text_sha256=text.sha256,
        statement=statement_for(current.version, text.locale),
        typed_name=" ".join(typed_name.split())[:200],
        signed_at=now or utcnow(),
        ip=client.ip,
        user_agent=client.user_agent,
        auth_method=client.auth_method,
        code=codes.new_code(),
    )
    ack.mac = compute_mac(ack, current.version)
    db.session.add(ack)
    try:
        db.session.flush()
    except IntegrityError:
        # A simultaneous request (double click) signed first: keep that one.
        db.session.rollback()
        return SignResult(find(user, current), created=False)
    audit.record(
        "policy.signed",
        actor=user,
        subject=user,
        target_type="acknowledgement",
        target_id=ack.id,
        details={
            "version": current.version,
            "locale": ack.locale,
            "text_sha256": ack.text_sha256,
            "code": ack.code,
            "mac": ack.mac,
        },
        client=client,
    )
    for hook in SIGNED_HOOKS:
        hook(ack)
    db.session.commit()
    events.policy_signed.send(current_app._get_current_object(), user=user, acknowledgement=ack)
    return SignResult(ack, created=True)


def get_for_receipt(ack_id: int) -> Acknowledgement | None:
    """One acknowledgement with its signer, version and texts loaded."""
    return db.session.scalar(
        select(Acknowledgement)
        .where(Acknowledgement.id == ack_id)
        .options(
            selectinload(Acknowledgement.user),
            selectinload(Acknowledgement.policy_version).selectinload(PolicyVersion.texts),
        )
    )


def _signed_events() -> dict[int, tuple[int, dict]]:
    """Acknowledgement id -> (audit seq, details) of every "policy.signed" audit entry."""
    rows = db.session.execute(
        select(AuditEvent.seq, AuditEvent.target_id, AuditEvent.details).where(
            AuditEvent.action == "policy.signed", AuditEvent.target_type == "acknowledgement"
        )
    )
    return {int(target): (seq, json.loads(details)) for seq, target, details in rows}


def _check_texts(report: audit.VerificationReport) -> dict[tuple[int, str], str]:
    digests = {}
    for text in db.session.scalars(select(PolicyText)):
        if policy.text_digest(text.html) != text.sha256:
            report.problems.append(
                f"policy text id={text.id} ({text.locale}): text altered (SHA-256 mismatch)"
            )
        digests[(text.policy_version_id, text.locale)] = text.sha256
    report.checked["policy texts"] = len(digests)
    return digests


def verify_acknowledgements(report: audit.VerificationReport, batch: int = 1000) -> None:
    """Check every acknowledgement's MAC, its text hash and its "policy.signed" audit entry.

    The MAC catches an altered or forged row; the audit entry (itself chained) catches a row
    deleted, inserted by someone holding the key, or swapped with another.
    """
    digests = _check_texts(report)
    versions = dict(db.session.execute(select(PolicyVersion.id, PolicyVersion.version)).all())
    events = _signed_events()
    seen: set[int] = set()
    last_id = 0
    while True:
        rows = db.session.scalars(
            select(Acknowledgement)
            .where(Acknowledgement.id > last_id)
            .order_by(Acknowledgement.id)
            .limit(batch)
        ).all()
        if not rows:
            break
        for ack in rows:
            seen.add(ack.id)
            where = f"acknowledgement id={ack.id} (user {ack.user_id}, code {ack.code})"
            version = versions.get(ack.policy_version_id)
            event = events.get(ack.id)
            if version is None or not hmac.compare_digest(compute_mac(ack, version), ack.mac):
                report.problems.append(f"{where}: content altered (MAC mismatch)")
            elif digests.get((ack.policy_version_id, ack.locale)) != ack.text_sha256:
                report.problems.append(f"{where}: text hash does not match the published text")
            elif event is None:
                report.problems.append(f"{where}: no audit entry records it (row inserted)")
            elif event[1].get("code") != ack.code or event[1].get("mac") != ack.mac:
                report.problems.append(
                    f"{where}: differs from audit entry seq={event[0]} (row replaced or reordered)"
                )
        last_id = rows[-1].id
        db.session.expunge_all()
    for ack_id, (seq, _details) in sorted(events.items()):
        if ack_id not in seen:
            report.problems.append(
                f"acknowledgement id={ack_id} recorded by audit entry seq={seq} is missing "
                "(row deleted)"
            )
    report.checked["acknowledgements"] = len(seen)


if verify_acknowledgements not in audit.EVIDENCE_VERIFIERS:
    audit.EVIDENCE_VERIFIERS.append(verify_acknowledgements)
