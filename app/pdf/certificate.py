"""Render a one-page A4 landscape certificate of completion with a verification QR code."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from app.pdf.common import ACCENT, CREATOR, INK, MUTED, fixed_date
from app.pdf.embedded import embed_file
from app.pdf.fonts import MONO, SANS, SANS_BOLD, SERIF, SERIF_BOLD, register_fonts
from app.pdf.qr import draw_qr
from app.pdf.textfit import clean, fit_text, wrap_text

__all__ = [
    "CertificateDocument",
    "CertificateLabels",
    "draw_certificate",
    "fit_text",
    "render_certificate",
]

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
BORDER = 28  # outer frame, points from the page edge
TEXT_WIDTH = PAGE_WIDTH - 2 * 80
QR_SIZE = 120  # includes the quiet zone; the symbol itself stays above 3 cm
QR_X = PAGE_WIDTH - BORDER - 18 - QR_SIZE
QR_Y = 70
CODE_SPACING = 1.5  # extra points between code characters, easier to read aloud and type


@dataclass(frozen=True)
class CertificateLabels:
    """Every human-readable label on the certificate, already translated by the caller."""

    heading: str
    awarded_to: str
    for_completing: str
    date: str
    score: str
    code: str
    verify_hint: str
    pdf_subject: str


@dataclass(frozen=True)
class CertificateDocument:
    """Everything printed on one certificate; strings are final, nothing is translated here."""

    organisation_name: str
    holder_name: str
    title: str
    issued_on_text: str
    score_text: str | None
    code: str
    verify_url: str
    content_version: str
    labels: CertificateLabels
    logo_path: str | None = None
    language: str = "en"
    # A short printed line naming the signing key and the audit-log head at issue.
    signature_text: str | None = None
    # (file name, bytes, description): the signed JSON certificate, attached for offline checking.
    attachment: tuple[str, bytes, str] | None = None


QrDrawer = Callable[[Canvas, str, float, float, float], None]


def _centred_block(
    canvas: Canvas, lines: list[str], font: str, size: float, middle_y: float
) -> None:
    """Draw ``lines`` centred horizontally, the block centred vertically on ``middle_y``."""
    leading = size * 1.18
    cap = size * 0.72  # approximate cap height of DejaVu, enough to centre optically
    first = middle_y + ((len(lines) - 1) * leading + cap) / 2 - cap
    canvas.setFont(font, size)
    for index, line in enumerate(lines):
        canvas.drawCentredString(PAGE_WIDTH / 2, first - index * leading, line)


def _fitted_line(
    canvas: Canvas, text: str, font: str, size: float, max_width: float, x: float, y: float
) -> None:
    """Draw one left-aligned line, shrunk to 6 pt at worst, then cut: never past ``max_width``."""
    lines, fitted = fit_text(text, font, max_width, size, min(size, 6), max_lines=1)
    canvas.setFont(font, fitted)
    canvas.drawString(x, y, lines[0] if lines else "")


def _draw_frame(canvas: Canvas) -> None:
    """Draw the thin double border."""
    canvas.setStrokeColorRGB(*ACCENT)
    canvas.setLineWidth(1.2)
    canvas.rect(BORDER, BORDER, PAGE_WIDTH - 2 * BORDER, PAGE_HEIGHT - 2 * BORDER, stroke=1, fill=0)
    canvas.setLineWidth(0.4)
    inset = BORDER + 5
    canvas.rect(inset, inset, PAGE_WIDTH - 2 * inset, PAGE_HEIGHT - 2 * inset, stroke=1, fill=0)


def _draw_header(canvas: Canvas, doc: CertificateDocument) -> None:
    """Draw the logo, organisation name, heading and the short rule beneath it."""
    if doc.logo_path:
        # The box is anchored top-left; preserveAspectRatio keeps the logo undistorted.
        canvas.drawImage(
            doc.logo_path,
            BORDER + 22,
            PAGE_HEIGHT - BORDER - 22 - 56,
            width=120,
            height=56,
            preserveAspectRatio=True,
            anchor="nw",
            mask="auto",
        )
    canvas.setFillColorRGB(*MUTED)
    # Narrower than the page so a long name cannot run under the logo.
    lines, size = fit_text(
        doc.organisation_name, SANS_BOLD, PAGE_WIDTH - 2 * 180, 14, 9, max_lines=2
    )
    _centred_block(canvas, lines, SANS_BOLD, size, PAGE_HEIGHT - 78)
    canvas.setFillColorRGB(*ACCENT)
    lines, size = fit_text(doc.labels.heading, SERIF_BOLD, TEXT_WIDTH, 34, 20)
    _centred_block(canvas, lines, SERIF_BOLD, size, PAGE_HEIGHT - 135)
    canvas.setLineWidth(0.8)
    canvas.line(PAGE_WIDTH / 2 - 60, PAGE_HEIGHT - 168, PAGE_WIDTH / 2 + 60, PAGE_HEIGHT - 168)


def _draw_body(canvas: Canvas, doc: CertificateDocument) -> None:
    """Draw 'awarded to', the holder's name, 'for completing' and the title."""
    labels = doc.labels
    canvas.setFillColorRGB(*MUTED)
    lines, size = fit_text(labels.awarded_to, SANS, TEXT_WIDTH, 13, 9)
    _centred_block(canvas, lines, SANS, size, PAGE_HEIGHT - 198)
    canvas.setFillColorRGB(*INK)
    lines, size = fit_text(doc.holder_name, SERIF_BOLD, TEXT_WIDTH, 40, 24)
    _centred_block(canvas, lines, SERIF_BOLD, size, PAGE_HEIGHT - 250)
    canvas.setFillColorRGB(*MUTED)
    lines, size = fit_text(labels.for_completing, SANS, TEXT_WIDTH, 13, 9)
    _centred_block(canvas, lines, SANS, size, PAGE_HEIGHT - 303)
    canvas.setFillColorRGB(*INK)
    lines, size = fit_text(doc.title, SERIF, TEXT_WIDTH, 24, 14)
    _centred_block(canvas, lines, SERIF, size, PAGE_HEIGHT - 345)


def _draw_details(canvas: Canvas, doc: CertificateDocument) -> None:
    """Draw date, optional score and the typed verification code, bottom-left."""
    labels = doc.labels
    left = BORDER + 40
    column = 210
    fields = [(labels.date, doc.issued_on_text)]
    if doc.score_text is not None:
        fields.append((labels.score, doc.score_text))
    for index, (label, value) in enumerate(fields):
        x = left + index * column
        canvas.setFillColorRGB(*MUTED)
        _fitted_line(canvas, label, SANS, 9, column - 15, x, 168)
        canvas.setFillColorRGB(*INK)
        _fitted_line(canvas, value, SANS_BOLD, 13, column - 15, x, 150)
    canvas.setFillColorRGB(*MUTED)
    _fitted_line(canvas, labels.code, SANS, 9, 2 * column, left, 118)
    canvas.setFillColorRGB(*INK)
    code = clean(doc.code)
    max_width = QR_X - 200 - left  # keeps clear of the verification hint
    spacing = CODE_SPACING * max(len(code) - 1, 0)
    unit = stringWidth(code, MONO, 1) or 1
    size = min(16.0, math.floor((max_width - spacing) / unit * 10) / 10)
    if size >= 8:
        canvas.setFont(MONO, size)
        canvas.drawString(left, 96, code, charSpace=CODE_SPACING)
    else:  # an absurdly long code: drop the spacing and let _fitted_line shrink or cut it
        _fitted_line(canvas, code, MONO, 8, max_width, left, 96)


def _draw_verification(canvas: Canvas, doc: CertificateDocument, qr_drawer: QrDrawer) -> None:
    """Draw the QR code bottom-right, the hint to its left, the URL and content version below."""
    qr_drawer(canvas, doc.verify_url, QR_X, QR_Y, QR_SIZE)
    canvas.setFillColorRGB(*MUTED)
    # Greedy wrap at a fixed size reads like a paragraph; six lines fill the
    # height of the QR code, a longer translation is cut rather than overlap.
    size = 8
    lines = wrap_text(doc.labels.verify_hint, SANS, size, 175)[:6]
    canvas.setFont(SANS, size)
    for index, line in enumerate(lines):
        canvas.drawRightString(QR_X - 4, QR_Y + QR_SIZE - 20 - index * size * 1.3, line)
    # The URL may be far wider than the code: it is right-aligned with the QR
    # code and may extend to the left, wrapping (cut between characters) if it must.
    right = QR_X + QR_SIZE - 10
    lines, size = fit_text(doc.verify_url, MONO, 330, 7.5, 5.5, max_lines=2)
    canvas.setFont(MONO, size)
    for index, line in enumerate(lines):
        canvas.drawRightString(right, QR_Y - 2 - index * size * 1.25, line)
    canvas.setFillColorRGB(*MUTED)
    lines, size = fit_text(doc.content_version, MONO, 240, 6.5, 5, max_lines=1)
    canvas.setFont(MONO, size)
    canvas.drawString(BORDER + 40, BORDER + 14, lines[0] if lines else "")
    if doc.signature_text:
        signature, signature_size = fit_text(
            doc.signature_text, SANS, QR_X - BORDER - 60, 6.5, 5, max_lines=1
        )
        canvas.setFont(SANS, signature_size)
        canvas.drawString(BORDER + 40, BORDER + 24, signature[0] if signature else "")


def draw_certificate(
    canvas: Canvas, doc: CertificateDocument, qr_drawer: QrDrawer = draw_qr
) -> None:
    """Draw one certificate page on ``canvas`` (fonts registered); ``qr_drawer`` is swappable."""
    _draw_frame(canvas)
    _draw_header(canvas, doc)
    _draw_body(canvas, doc)
    _draw_details(canvas, doc)
    _draw_verification(canvas, doc, qr_drawer)


def render_certificate(doc: CertificateDocument) -> bytes:
    """Return the certificate as PDF bytes; the same document always yields the same bytes."""
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        invariant=1,
        lang=doc.language,
        initialFontName=SANS,  # else an unused, unembedded Helvetica lands in the page
    )
    canvas.setDateFormatter(fixed_date)
    canvas.setTitle(f"{clean(doc.holder_name)} \u2014 {clean(doc.title)}")
    canvas.setAuthor(clean(doc.organisation_name))
    canvas.setSubject(clean(doc.labels.pdf_subject))
    canvas.setCreator(CREATOR)
    canvas.setProducer(CREATOR)
    draw_certificate(canvas, doc)
    canvas.showPage()
    if doc.attachment is not None:
        embed_file(canvas, *doc.attachment)
    canvas.save()
    return buffer.getvalue()
