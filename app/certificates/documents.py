"""Certificate PDFs, generated on demand from the database, one at a time or as a streamed ZIP."""

from __future__ import annotations

import logging
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

from flask_babel import force_locale, format_date, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core import audit, settings
from app.core.codes import format_code
from app.evidence import signed_documents
from app.extensions import db
from app.models.certificate import MODULE, Certificate
from app.pdf.certificate import CertificateDocument, CertificateLabels, render_certificate

log = logging.getLogger(__name__)

LOGO_PATH = settings.SettingSpec(
    "certificates.logo_path",
    "text",
    "",
    _l("Logo on certificates"),
    _l("Certificates"),
    _l(
        "Path on the server to a PNG or JPEG file printed on certificates. Leave empty for "
        "no logo; a file that cannot be read is ignored (and noted in the server log)."
    ),
)
_IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
EXPORT_BATCH = 50  # certificates loaded per query while streaming a ZIP


def logo_path() -> str | None:
    """The configured logo when it is a readable PNG or JPEG file, else None (with a warning)."""
    path = (settings.get(LOGO_PATH) or "").strip()
    if not path:
        return None
    try:
        with open(path, "rb") as image:
            head = image.read(8)
    except OSError as exc:
        log.warning("certificate logo %r cannot be read (%s): printed without it", path, exc)
        return None
    if not head.startswith(_IMAGE_SIGNATURES):
        log.warning("certificate logo %r is neither PNG nor JPEG: printed without it", path)
        return None
    return path


def _labels(kind: str) -> CertificateLabels:
    """The printed labels in the current (forced) locale."""
    return CertificateLabels(
        heading=_("Certificate of completion"),
        awarded_to=_("This certifies that"),
        for_completing=(
            _("has successfully completed the module")
            if kind == MODULE
            else _("has successfully completed the programme and signed the policy")
        ),
        date=_("Date"),
        score=_("Score"),
        code=_("Verification code"),
        verify_hint=_(
            "Scan the QR code or open the address below to check that this certificate is "
            "genuine and still valid."
        ),
        pdf_subject=_("Certificate of completion issued by Charte"),
    )


def _version_text(certificate: Certificate) -> str:
    if certificate.kind == MODULE:
        return (
            f"{certificate.module_slug} v{certificate.material_version} "
            f"{certificate.content_version[:16]}"
        )
    return f"programme {certificate.content_version[:16]}"


RECORD_VERSION = "charte-certificate/1.0"
ATTACHMENT_NAME = "certificate.json"
_LOOK_UP = object()


def signed_json(certificate: Certificate, verify_url: str, head: Any = _LOOK_UP) -> dict[str, Any]:
    """The certificate as signed JSON, with the chain head at issue (looked up unless given)."""
    if head is _LOOK_UP:
        head = signed_documents.issue_head("certificate", certificate.id)
    body = {
        "record_version": RECORD_VERSION,
        "record_id": f"urn:charte:certificate:{certificate.code}",
        "organisation": settings.get(settings.ORGANISATION_NAME),
        "holder": {"id": f"urn:charte:user:{certificate.user_id}", "name": certificate.holder_name},
        "kind": certificate.kind,
        "module": certificate.module_slug,
        "material_version": certificate.material_version,
        "content_version": certificate.content_version,
        "title": {"fr": certificate.title_fr, "en": certificate.title_en},
        "score": certificate.score,
        "issued_at": certificate.issued_at.isoformat(),
        "verification": {
            "code": format_code(certificate.code),
            "url": verify_url,
            "note": "Revocation is not part of the document: the verification page says "
            "whether the certificate is still valid.",
        },
    }
    return signed_documents.sign(body, head)


def render(certificate: Certificate, verify_url: str, head: Any = _LOOK_UP) -> bytes:
    """The certificate PDF in its holder's language (holder loaded), its signed JSON attached."""
    locale = certificate.user.locale if certificate.user.locale in ("fr", "en") else "fr"
    signed = signed_json(certificate, verify_url, head)
    with force_locale(locale):
        labels = _labels(certificate.kind)
        issued_on = format_date(certificate.issued_at, "long")
        score = format_percent(certificate.score / 100) if certificate.score is not None else None
        signature_text = signed_documents.printed_line(signed, ATTACHMENT_NAME)
    document = CertificateDocument(
        organisation_name=settings.get(settings.ORGANISATION_NAME),
        holder_name=certificate.holder_name,
        title=certificate.title(locale),
        issued_on_text=issued_on,
        score_text=score,
        code=format_code(certificate.code),
        verify_url=verify_url,
        content_version=_version_text(certificate),
        labels=labels,
        logo_path=logo_path(),
        language=locale,
        signature_text=signature_text,
        attachment=signed_documents.attachment(signed, ATTACHMENT_NAME),
    )
    return render_certificate(document)


def filename(certificate: Certificate) -> str:
    """A portable file name: holder, module (or programme) and code, ASCII only."""
    ascii_name = (
        unicodedata.normalize("NFKD", certificate.holder_name).encode("ascii", "ignore").decode()
    )
    name = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower()[:60] or "certificate"
    what = certificate.module_slug or "programme"
    return f"{name}-{what}-{certificate.code}.pdf"


class _ChunkSink:
    """A write-only file for ZipFile that hands back what was written since the last call."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to do: the chunks leave through take()."""

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def zip_stream(ids: list[int], url_for_code: Callable[[str], str]) -> Iterator[bytes]:
    """Yield a ZIP of the certificates, one PDF at a time: memory holds one PDF, not all of them.

    ZipFile writes to a non-seekable sink, so each entry carries a data descriptor and the
    archive is valid as soon as the last chunk (the central directory) is sent.
    """
    sink = _ChunkSink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for start in range(0, len(ids), EXPORT_BATCH):
            batch = db.session.scalars(
                select(Certificate)
                .where(Certificate.id.in_(ids[start : start + EXPORT_BATCH]))
                .options(selectinload(Certificate.user))
                .order_by(Certificate.id)
            ).all()
            heads = audit.entry_heads("certificate", [certificate.id for certificate in batch])
            # End the transaction before rendering: a large export must not hold SQLite's
            # write lock (this GET writes its audit entry) nor a PostgreSQL snapshot for minutes.
            # close() detaches the rows without expiring them; render() needs nothing more.
            db.session.close()
            for certificate in batch:
                info = zipfile.ZipInfo(
                    filename(certificate), date_time=certificate.issued_at.timetuple()[:6]
                )
                info.compress_type = zipfile.ZIP_DEFLATED
                pdf = render(certificate, url_for_code(certificate.code), heads.get(certificate.id))
                archive.writestr(info, pdf)
                yield sink.take()
    yield sink.take()
