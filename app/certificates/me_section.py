"""The certificates part of a person's Me page and data export (`hooks.me_sections`/`export_sections`)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.certificates import documents, issuing
from app.models.user import User
from app.privacy.export import ExportContext, ExportPart
from app.privacy.me_page import MeContext, MeSection


def certificates_section(user: User, ctx: MeContext) -> MeSection:
    """The person's certificates, newest first."""
    return MeSection(
        "certificates", _("Certificates"), "certificates/_me.html", issuing.for_user(user)
    )


def certificates_export(user: User, ctx: ExportContext) -> ExportPart:
    """Each certificate as JSON, and its PDF."""
    items, files = [], []
    for certificate in issuing.for_user(user):
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
        full = issuing.get(certificate.id)  # with its holder, as the PDF needs
        pdf = documents.render(full, ctx.policy_verify_url(certificate.code))
        files.append((f"certificates/{certificate.code}.pdf", pdf))
    return ExportPart("certificates", items, files)
