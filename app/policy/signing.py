"""Signing the policy: who may sign, the checks before signing, and the evidence recorded."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.core import audit, codes, hooks, settings
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.evidence import attachments, seals
from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.policy import PolicyText, PolicyVersion
from app.models.types import utcnow
from app.models.user import User
from app.policy import evidence, versions
from app.policy.evidence import compute_mac, personal_fields  # noqa: F401 - used by retention

ALLOW_SIGNING_BEFORE_COMPLETION = settings.SettingSpec(
    "policy.allow_signing_before_completion",
    "bool",
    False,
    _l("Allow signing the policy before the required modules are completed"),
    _l("Policy"),
    _l("When ticked, employees may sign without meeting the prerequisites (e.g. modules)."),
)


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


def statement_for(version: str, locale: str) -> str:
    """The explicit statement the signer ticks, in the language of the text they read (`version`
    as shown: "3", or "3.1" for a minor revision's text)."""
    with force_locale(locale):
        return _(
            "I have read and understood the social-media policy of %(organisation)s, "
            "version %(version)s, and I undertake to follow it.",
            organisation=settings.get(settings.ORGANISATION_NAME),
            version=version,
        )


def blocking_reasons(user: User) -> list[str]:
    """Why the user may not sign yet (empty when they may)."""
    if settings.get(ALLOW_SIGNING_BEFORE_COMPLETION):
        return []
    return hooks.signing_prerequisites.collect(user)


def intact(ack: Acknowledgement, version_number: int | None = None) -> bool:
    """True when the seal holds: MAC, personal digest and sealed identity (cheap, per row)."""
    return seals.intact(evidence.ACKNOWLEDGEMENTS, ack)


def find(user: User, version: PolicyVersion) -> Acknowledgement | None:
    """The user's acknowledgement of this version, if any."""
    return db.session.scalar(
        select(Acknowledgement).where(
            Acknowledgement.user_id == user.id, Acknowledgement.policy_version_id == version.id
        )
    )


@dataclass(frozen=True)
class IntentProof:
    """How the signer proved, just before signing, that it is them: recorded with the signature.

    `method` goes into the acknowledgement's `auth_method` ("sso_step_up", "email_code");
    `details` into its audit entry (e.g. the provider's auth_time). Without one, the password
    typed with the signature is the proof ("password").
    """

    method: str
    details: dict


def prepare(
    user: User, *, version_number: int, locale: str, typed_name: str
) -> tuple[PolicyVersion, PolicyText] | Acknowledgement:
    """Every check before the proof of intent: the version and text to sign, or the existing
    acknowledgement when this version is already signed; SigningError otherwise."""
    reasons = blocking_reasons(user)
    if reasons:
        raise SigningError(reasons[0])
    current = versions.current_version()
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
        return existing
    text = versions.latest_texts(current).get(locale)
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
    return current, text


def sign(
    user: User,
    *,
    version_number: int,
    locale: str,
    typed_name: str,
    password: str = "",
    proof: IntentProof | None = None,
    client: ClientInfo,
    now: datetime | None = None,
) -> SignResult:
    """Record the user's signature of the current version, or raise SigningError (nothing saved).

    Intent is proved by the password typed again, or by a step-up proof (`proof`) obtained just
    before. Signing a version already signed records nothing and returns the existing one.
    """
    prepared = prepare(user, version_number=version_number, locale=locale, typed_name=typed_name)
    if isinstance(prepared, Acknowledgement):
        return SignResult(prepared, created=False)
    current, text = prepared
    if proof is None and not user.check_password(password):
        raise SigningError(_("Your password is incorrect."), "password")
    ack = Acknowledgement(
        user_id=user.id,
        policy_version_id=current.id,
        locale=text.locale,
        text_sha256=text.sha256,
        statement=statement_for(versions.revision_label(current.version, text.minor), text.locale),
        typed_name=" ".join(typed_name.split())[:200],
        signed_at=now or utcnow(),
        ip=client.ip,
        user_agent=client.user_agent,
        auth_method=proof.method if proof else client.auth_method,
        code=codes.new_code(),
    )
    details = proof.details if proof else None
    if not record_acknowledgement(
        ack, current, signer=user, actor=user, client=client, details=details
    ):
        # A simultaneous request (double click) signed first: keep that one.
        return SignResult(find(user, current), created=False)
    return SignResult(ack, created=True)


def record_acknowledgement(
    ack: Acknowledgement,
    version: PolicyVersion,
    *,
    signer: User,
    actor: User,
    client: ClientInfo,
    details: dict | None = None,
    scans: list | None = None,
) -> bool:
    """The one write path of policy signatures, online and on paper: seal and MAC the row, write
    it with its audit entry and what `hooks.policy_signed` adds, commit, then tell
    `hooks.after_policy_signed`. False (nothing saved): the signer's signature of this version
    was recorded by a simultaneous request.
    """
    ack.signer_name, ack.signer_email = signer.full_name, signer.email
    seals.seal(evidence.ACKNOWLEDGEMENTS, ack)
    db.session.add(ack)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    entry = audit.Entry(
        AuditAction.POLICY_SIGNED,
        actor=actor,
        subject=signer,
        target_type="acknowledgement",
        target_id=ack.id,
        details={
            "version": version.version,
            "locale": ack.locale,
            "text_sha256": ack.text_sha256,
            "code": ack.code,
            "mac": ack.mac,
            **(details or {}),
            **seals.sealed_details(
                (evidence.ACKNOWLEDGEMENTS, [ack]), (attachments.SCANS, scans or [])
            ),
        },
        client=client,
    )
    hooks.policy_signed.emit(ack)  # e.g. the webhook outbox, committed with the signature
    # The chain lock last, right before the commit: concurrent evidence writers wait the least.
    audit.record_many([entry])
    db.session.commit()
    hooks.after_policy_signed.emit(signer, ack)  # e.g. the programme certificate
    return True


def get_for_receipt(ack_id: int) -> Acknowledgement | None:
    """One acknowledgement with its signer, version and texts loaded."""
    return db.session.scalar(
        select(Acknowledgement)
        .where(Acknowledgement.id == ack_id)
        .options(
            selectinload(Acknowledgement.user),
            selectinload(Acknowledgement.recorded_by),
            selectinload(Acknowledgement.policy_version).selectinload(PolicyVersion.texts),
        )
    )
