"""Seals on certificates and their revocations (app.evidence.seals), and the audit checks /verify
makes before vouching for a certificate."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import select

from app.core.audit_actions import AuditAction
from app.evidence import seals
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.certificate import Certificate, CertificateRevocation


def _fields(certificate: Certificate) -> dict:
    return {
        "kind": certificate.kind,
        "user_id": certificate.user_id,
        "issue_key": certificate.issue_key,
        "module_slug": certificate.module_slug,
        "material_version": certificate.material_version,
        "content_version": certificate.content_version,
        "title_fr": certificate.title_fr,
        "title_en": certificate.title_en,
        "score": certificate.score,
        "issued_at": certificate.issued_at.astimezone(UTC).isoformat(),
        "code": certificate.code,
    }


CERTIFICATES = seals.SealSpec(
    model=Certificate,
    label="certificate",
    plural="certificates",
    purpose="certificate",
    fields=_fields,
    identity=lambda c: {"holder_name": c.holder_name},
    actions=(AuditAction.CERTIFICATE_ISSUED.value,),
    target_type="certificate",
    echo=("code", "score"),
)


def _revocation_fields(revocation: CertificateRevocation) -> dict:
    return {
        "certificate_id": revocation.certificate_id,
        "revoked_at": revocation.revoked_at.astimezone(UTC).isoformat(),
        "revoked_by_id": revocation.revoked_by_id,
        "reason": revocation.reason,
    }


REVOCATIONS = seals.SealSpec(
    model=CertificateRevocation,
    label="certificate revocation",
    plural="certificate revocations",
    purpose="certificate-revocation",
    fields=_revocation_fields,
    actions=(AuditAction.CERTIFICATE_REVOKED.value,),
    target_type="certificate",
    target_key=lambda r: str(r.certificate_id),
    echo=("reason",),
)


def audit_entries(certificate_id: int) -> set[str]:
    """The certificate's own audit actions recorded in the chain (one indexed query)."""
    return set(
        db.session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.target_type == "certificate",
                AuditEvent.target_id == str(certificate_id),
                AuditEvent.action.in_(
                    [AuditAction.CERTIFICATE_ISSUED.value, AuditAction.CERTIFICATE_REVOKED.value]
                ),
            )
        )
    )
