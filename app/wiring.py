"""Connections between areas, made in one place so that no area imports another's internals.

Each area exposes a registry or a signal; this module plugs them together once per process.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.models.user import User

_connected = False


def _required_modules_check(user: User) -> str | None:
    from app.learn.progress import required_modules_completed

    if required_modules_completed(user):
        return None
    return _("Complete the required modules of your programme before signing the policy.")


def _issue_module_certificate(sender, user: User, completion, **extra) -> None:
    from app.certificates import issuing

    issuing.issue_for_module(user, completion)


def _issue_programme_certificate(sender, user: User, **extra) -> None:
    from app.certificates import issuing as certificates

    certificates.issue_programme_if_due(user)


def _connect_certificates() -> None:
    """Certificates follow completions and signatures; their codes are verifiable publicly."""
    # certificate_documents declares the certificate logo setting when imported.
    from app.certificates import documents  # noqa: F401
    from app.certificates import issuing as certificates
    from app.core import events
    from app.evidence import verification

    # weak=False: the receivers must live as long as the process, whatever imports them.
    events.module_completed.connect(_issue_module_certificate, weak=False)
    # The programme certificate needs both the modules and the signature, in either order.
    events.programme_completed.connect(_issue_programme_certificate, weak=False)
    events.policy_signed.connect(_issue_programme_certificate, weak=False)
    if certificates.lookup not in verification.VERIFIERS:
        verification.VERIFIERS.append(certificates.lookup)
    verification.KIND_LABELS.setdefault(certificates.KIND, _l("Certificate of completion"))


def connect_areas() -> None:
    """Register cross-area hooks (idempotent: create_app runs many times in tests)."""
    global _connected
    if _connected:
        return
    # Importing these modules registers their evidence verifiers and verification lookups.
    from app.policy import checks, receipts, signing  # noqa: F401

    signing.SIGNING_PREREQUISITES.append(_required_modules_check)
    _connect_webhooks()
    _connect_certificates()
    _connect_me_page()
    _connected = True


def _connect_webhooks() -> None:
    """Each area's event writes its webhook outbox rows (see app/services/webhook_events.py).

    The API lists certificates through `sources.CERTIFICATE_SOURCE`, adapted here.
    """
    from app.certificates import issuing as certificates
    from app.consent import decisions
    from app.core import events
    from app.integrations import webhook_events
    from app.integrations.api import sources
    from app.policy import signing as acknowledgements

    certificates.REVOKED_HOOKS.append(webhook_events.on_certificate_revoked)
    sources.CERTIFICATE_SOURCE = _certificate_records

    decisions.DECISION_HOOKS.append(webhook_events.on_consent_decision)
    acknowledgements.SIGNED_HOOKS.append(webhook_events.on_policy_signed)
    events.programme_completed.connect(webhook_events.on_programme_completed)


def _certificate_records(after_id: int, limit: int):
    """Certificates with id > after_id, ascending, as the API lists them."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from app.extensions import db
    from app.integrations.api.sources import CertificateRecord
    from app.models.certificate import Certificate

    rows = db.session.scalars(
        select(Certificate)
        .where(Certificate.id > after_id)
        .options(selectinload(Certificate.user), selectinload(Certificate.revocation))
        .order_by(Certificate.id)
        .limit(limit)
    )
    return [
        CertificateRecord(
            id=row.id,
            code=row.code,
            employee_email=row.user.email,
            employee_external_id=row.user.external_id,
            title=row.title_en,
            status="revoked" if row.revocation else "valid",
            issued_at=row.issued_at,
            revoked_at=row.revocation.revoked_at if row.revocation else None,
        )
        for row in rows
    ]


def _connect_me_page() -> None:
    """Certificates and reminders received on the Me page and in the personal data export."""
    from app.privacy import export, me_page

    me_page.ME_SECTIONS.append(_certificates_section)
    export.EXPORT_SECTIONS.append(_certificates_export)
    from app.assignments import reminders_received

    me_page.ME_SECTIONS.append(reminders_received.me_section)
    export.EXPORT_SECTIONS.append(reminders_received.export_part)


def _certificates_section(user: User, ctx):
    from app.certificates import issuing as certificates
    from app.privacy import me_page as me

    return me.MeSection(
        "certificates", _("Certificates"), "certificates/_me.html", certificates.for_user(user)
    )


def _certificates_export(user: User, ctx):
    from app.certificates import documents as certificate_documents
    from app.certificates import issuing as certificates
    from app.privacy import export as me_export

    items, files = [], []
    for certificate in certificates.for_user(user):
        items.append(
            {
                "code": certificate.code,
                "kind": certificate.kind,
                "module": certificate.module_slug,
                "title": {"fr": certificate.title_fr, "en": certificate.title_en},
                "holder_name": certificate.holder_name,
                "score": certificate.score,
                "content_version": certificate.content_version,
                "issued_at": certificate.issued_at.isoformat(),
                "revoked_at": certificate.revocation.revoked_at.isoformat()
                if certificate.revocation
                else None,
            }
        )
        full = certificates.get(certificate.id)  # with its holder, as the PDF needs
        pdf = certificate_documents.render(full, ctx.policy_verify_url(certificate.code))
        files.append((f"certificates/{certificate.code}.pdf", pdf))
    return me_export.ExportPart("certificates", items, files)
