"""Certificates of completion: issuing them once, revoking them, finding them, verifying codes."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.certificates import evidence
from app.core import audit, codes, hooks, statements
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.evidence import seals
from app.evidence.verification import VerificationResult
from app.extensions import db
from app.learn import progress
from app.learn.content import catalog
from app.learn.content.types import LOCALES
from app.models.certificate import MODULE, PROGRAMME, Certificate, CertificateRevocation
from app.models.learning import ModuleCompletion
from app.models.types import utcnow
from app.models.user import User
from app.policy import status

log = logging.getLogger(__name__)

KIND = "certificate"  # the kind named on the public verification page


class CertificateError(ValueError):
    """A request about a certificate was refused; the message says why."""


def _issue(
    user: User, certificate: Certificate, entries: list[audit.Entry] | None = None
) -> Certificate | None:
    """Insert the certificate and its audit entry, unless it already exists.

    Alone (entries=None) it is its own transaction. Given the audit entries of a transaction
    under way (a passing quiz submission), it adds its row and its entry to them and leaves the
    commit, and the chain lock, to that transaction: one commit for the attempt, the completion
    and the certificate."""
    seals.seal(evidence.CERTIFICATES, certificate)
    # One statement: a certificate issued before, or by a simultaneous request, stays the one.
    if not statements.insert_new(certificate):
        return None
    entry = audit.Entry(
        AuditAction.CERTIFICATE_ISSUED,
        actor=user,
        subject=user,
        target_type="certificate",
        target_id=certificate.id,
        details={
            "kind": certificate.kind,
            "module": certificate.module_slug,
            "material_version": certificate.material_version,
            "content_version": certificate.content_version,
            "score": certificate.score,
            "code": certificate.code,
            **seals.sealed_details((evidence.CERTIFICATES, [certificate])),
        },
        client=ClientInfo.system(),
    )
    if entries is not None:
        entries.append(entry)
        return certificate
    audit.record_many([entry])
    db.session.commit()
    return certificate


def issue_for_module(
    user: User,
    completion: ModuleCompletion,
    now: datetime | None = None,
    entries: list[audit.Entry] | None = None,
) -> Certificate | None:
    """Issue the certificate of a completed module (None when it was already issued); with
    `entries`, inside the caller's transaction (see `_issue`)."""
    module = catalog.catalog().named(completion.module_slug)  # retired since the attempt began
    titles = {
        locale: module.text(locale).title if module else completion.module_slug
        for locale in LOCALES
    }
    return _issue(
        user,
        Certificate(
            kind=MODULE,
            user_id=user.id,
            issue_key=f"module:{completion.module_slug}:{completion.material_version}",
            module_slug=completion.module_slug,
            material_version=completion.material_version,
            content_version=completion.content_hash,
            title_fr=titles["fr"],
            title_en=titles["en"],
            score=completion.score,
            holder_name=user.full_name,
            issued_at=now or completion.completed_at or utcnow(),
            code=codes.new_code(),
        ),
        entries,
    )


def programme_title(locale: str) -> str:
    """The programme certificate's title in one language."""
    with force_locale(locale):
        return _("Social-media policy training programme")


def issue_programme_if_due(user: User, now: datetime | None = None) -> Certificate | None:
    """Issue the programme certificate once every required module is done and the policy signed.

    Called when the last required module is completed and when the policy is signed, so the
    order of the two does not matter. The marker digests the required modules at their material
    versions: the same programme is certified once, a revised programme again.
    """
    required = [p.module for p in progress.placed_modules() if p.required]
    if not required:
        return None
    completions = {
        (c.module_slug, c.material_version): c
        for c in db.session.scalars(
            select(ModuleCompletion).where(ModuleCompletion.user_id == user.id)
        )
    }
    done = [completions.get((m.slug, m.material_version)) for m in required]
    if any(c is None for c in done):
        return None
    if status.status_for(user).state != "current":
        return None
    marker = hashlib.sha256(
        "\n".join(sorted(f"{m.slug}:{m.material_version}" for m in required)).encode()
    ).hexdigest()
    return _issue(
        user,
        Certificate(
            kind=PROGRAMME,
            user_id=user.id,
            issue_key=f"programme:{marker}",
            module_slug=None,
            material_version=None,
            content_version=marker,
            title_fr=programme_title("fr"),
            title_en=programme_title("en"),
            score=round(sum(c.score for c in done) / len(done)),
            holder_name=user.full_name,
            issued_at=now or utcnow(),
            code=codes.new_code(),
        ),
    )


def on_module_completed(
    *, user: User, completion: ModuleCompletion, entries: list[audit.Entry], **_: object
) -> None:
    """`hooks.module_completed`, in the completion's transaction: the module's certificate."""
    issue_for_module(user, completion, entries=entries)


def on_programme_progress(*, user: User, **_: object) -> None:
    """`hooks.programme_completed`: the programme certificate, if the policy is signed too."""
    issue_programme_if_due(user)


def on_policy_signed(user: User, acknowledgement: object) -> None:
    """`hooks.after_policy_signed` (online or on paper): the programme certificate, if due."""
    issue_programme_if_due(user)


def get(certificate_id: int) -> Certificate | None:
    """One certificate with its holder and revocation loaded."""
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.id == certificate_id)
        .options(
            selectinload(Certificate.user),
            selectinload(Certificate.revocation).selectinload(CertificateRevocation.revoked_by),
        )
    )


def for_user(user: User) -> list[Certificate]:
    """The user's certificates, newest first, revocations loaded (two queries)."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user.id)
            .options(selectinload(Certificate.revocation))
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


def revoke(
    certificate: Certificate,
    *,
    reason: str,
    actor: User,
    client: ClientInfo,
    now: datetime | None = None,
) -> CertificateRevocation:
    """Record that the certificate no longer holds, with the reason (audited); once only."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise CertificateError(_("Give the reason for revoking this certificate."))
    if certificate.revocation is not None:
        raise CertificateError(_("This certificate was already revoked."))
    revocation = CertificateRevocation(
        certificate_id=certificate.id,
        revoked_at=now or utcnow(),
        revoked_by_id=actor.id,
        reason=reason[:2000],
    )
    seals.seal(evidence.REVOCATIONS, revocation)
    db.session.add(revocation)
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise CertificateError(_("This certificate was already revoked.")) from exc
    audit.record(
        AuditAction.CERTIFICATE_REVOKED,
        actor=actor,
        subject=db.session.get(User, certificate.user_id),
        target_type="certificate",
        target_id=certificate.id,
        details={
            "code": certificate.code,
            "reason": revocation.reason,
            **seals.sealed_details((evidence.REVOCATIONS, [revocation])),
        },
        client=client,
    )
    hooks.certificate_revoked.emit(certificate, revocation)  # e.g. the webhook outbox
    db.session.commit()
    return revocation


def lookup(code: str) -> VerificationResult | None:
    """The public verification result for a certificate code (a `hooks.code_lookups` receiver)."""
    certificate = db.session.scalar(
        select(Certificate)
        .where(Certificate.code == code)
        .options(selectinload(Certificate.revocation))
    )
    if certificate is None:
        return None
    recorded = evidence.audit_entries(certificate.id)
    if (
        not seals.intact(evidence.CERTIFICATES, certificate)
        or AuditAction.CERTIFICATE_ISSUED.value not in recorded
    ):
        # Never vouch for a certificate altered or inserted behind the application's back.
        log.warning("certificate %s failed its seal or audit check on /verify", certificate.id)
        return None
    revocation = certificate.revocation
    # A revocation the audit log records stands even if its row was deleted or altered.
    revoked = revocation is not None or AuditAction.CERTIFICATE_REVOKED.value in recorded
    trusted_revocation = revocation is not None and seals.intact(evidence.REVOCATIONS, revocation)
    return VerificationResult(
        kind=KIND,
        status="revoked" if revoked else "valid",
        holder_name=certificate.holder_name or "—",
        title=certificate.title(str(get_locale())),
        issued_at=certificate.issued_at,
        revoked_at=revocation.revoked_at if trusted_revocation else None,
        kind_label=_l("Certificate of completion"),
        evidence=("certificate", certificate.id),
    )
