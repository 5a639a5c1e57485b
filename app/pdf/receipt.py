"""Render an A4 portrait receipt for an evidence record (policy signature, consent decision)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from app.pdf.common import ACCENT, CREATOR, INK, MUTED, RULE, fixed_date
from app.pdf.embedded import embed_file
from app.pdf.fonts import MONO, SANS, SANS_BOLD, SERIF_BOLD, register_fonts
from app.pdf.html_blocks import html_blocks
from app.pdf.qr import draw_qr
from app.pdf.textfit import clean, strip_controls, wrap_text

__all__ = ["ReceiptAnnex", "ReceiptDocument", "render_receipt"]

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 20 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
LABEL_WIDTH = 48 * mm
QR_SIZE = 105  # points, quiet zone included
FOOTER_SIZE = 7.5
FOOTER_LEADING = 9.5
_HASH = re.compile(r"[0-9a-fA-F]{64}")


@dataclass(frozen=True)
class ReceiptAnnex:
    """A full text appended after the receipt page (e.g. the policy text as signed).

    `html` is the stored, sanitised HTML of the text; `notes` are short lines printed under the
    heading (version, language, fingerprint) and `warning`, when not empty, is printed in bold
    before the text (e.g. the stored text no longer matches the fingerprint signed).
    """

    heading: str
    notes: tuple[str, ...]
    warning: str
    html: str
    language: str = "en"


@dataclass(frozen=True)
class ReceiptDocument:
    """Everything printed on one receipt; labels and values arrive already translated."""

    organisation_name: str
    heading: str
    rows: tuple[tuple[str, str], ...]
    code_label: str
    code: str
    verify_url: str
    verify_hint: str
    footer: str
    pdf_subject: str
    language: str = "en"
    annex: ReceiptAnnex | None = None
    # (file name, bytes, description): the signed JSON record, attached for offline checking.
    attachment: tuple[str, bytes, str] | None = None


def _style(
    name: str, font: str, size: float, color=INK, leading: float | None = None
) -> ParagraphStyle:
    """A paragraph style; splitLongWords lets user agents and URLs break inside the column."""
    return ParagraphStyle(
        name,
        fontName=font,
        fontSize=size,
        leading=leading or size * 1.3,
        textColor=color,
        alignment=TA_LEFT,
        splitLongWords=1,
    )


STYLES = {
    "org": _style("org", SANS_BOLD, 10.5, MUTED),
    "heading": _style("heading", SERIF_BOLD, 17, ACCENT, 22),
    "label": _style("label", SANS_BOLD, 8.5, MUTED),
    "value": _style("value", SANS, 9.5),
    # 8 pt keeps a 64-character hash on one line of the value column.
    "hash": _style("hash", MONO, 8, leading=11),
    "code_label": _style("code_label", SANS, 8.5, MUTED),
    "code": _style("code", MONO, 14, leading=19),
    "url": _style("url", MONO, 7.5, leading=10),
    "hint": _style("hint", SANS, 8, MUTED),
    "annex_heading": _style("annex_heading", SERIF_BOLD, 14, ACCENT, 18),
    "annex_warning": _style("annex_warning", SANS_BOLD, 9.5, (0.6, 0.1, 0.1)),
    "heading1": _style("heading1", SERIF_BOLD, 13, INK, 17),
    "heading2": _style("heading2", SERIF_BOLD, 11.5, INK, 15),
    "heading3": _style("heading3", SANS_BOLD, 10.5, INK, 14),
    "heading4": _style("heading4", SANS_BOLD, 9.5),
    "heading5": _style("heading5", SANS_BOLD, 9.5),
    "heading6": _style("heading6", SANS_BOLD, 9.5),
    "paragraph": _style("paragraph", SANS, 9.5),
    "preformatted": _style("preformatted", MONO, 8, leading=10.5),
}


def _markup(text: str) -> str:
    """Escape ``text`` for Paragraph's mini-markup, keeping line breaks the caller put in."""
    lines = [clean(line) for line in strip_controls(text).splitlines()] or [""]
    return "<br/>".join(escape(line) for line in lines)


def _value(text: str) -> Paragraph:
    """A value cell: monospace when it looks like a SHA-256 digest, the body font otherwise."""
    style = STYLES["hash"] if _HASH.fullmatch(text.strip()) else STYLES["value"]
    return Paragraph(_markup(text.strip()), style)


class _QrFlowable(Flowable):
    """A QR code as a flowable so that it sits in the verification table."""

    def __init__(self, data: str, size: float) -> None:
        """Remember what to encode and the side of the square, quiet zone included."""
        super().__init__()
        self.data = data
        self.width = self.height = size

    def wrap(self, available_width, available_height):
        """The QR code has a fixed size."""
        return self.width, self.height

    def draw(self):
        """Draw at the flowable's origin."""
        draw_qr(self.canv, self.data, 0, 0, self.width)


def _rows_table(doc: ReceiptDocument) -> Table:
    """The two-column table of (label, value) rows."""
    data = [
        [Paragraph(_markup(label), STYLES["label"]), _value(value)] for label, value in doc.rows
    ]
    # splitInRow: a single huge value may cross a page boundary instead of failing the layout.
    table = Table(data, colWidths=[LABEL_WIDTH, FRAME_WIDTH - LABEL_WIDTH], splitInRow=1)
    table.setStyle(
        TableStyle(
            [
                # Cell font: Table would otherwise select (unembedded) Helvetica.
                ("FONTNAME", (0, 0), (-1, -1), SANS),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEABOVE", (0, 0), (-1, 0), 0.8, ACCENT),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _verification_table(doc: ReceiptDocument) -> Table:
    """QR code on the left; code label, code, URL and hint on the right; kept on one page."""
    text = [
        Paragraph(_markup(doc.code_label), STYLES["code_label"]),
        Paragraph(_markup(doc.code), STYLES["code"]),
        Paragraph(_markup(doc.verify_url), STYLES["url"]),
        Spacer(1, 4),
        Paragraph(_markup(doc.verify_hint), STYLES["hint"]),
    ]
    table = Table(
        [[_QrFlowable(doc.verify_url, QR_SIZE), text]],
        colWidths=[QR_SIZE + 10, FRAME_WIDTH - QR_SIZE - 10],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), SANS),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BOX", (0, 0), (-1, -1), 0.4, RULE),
                ("LEFTPADDING", (0, 0), (0, 0), 2),
                ("LEFTPADDING", (1, 0), (1, 0), 6),
            ]
        )
    )
    return table


def _annex_story(annex: ReceiptAnnex) -> list[Flowable]:
    """The annex: a new page, its heading, notes, warning, then the text block by block."""
    story: list[Flowable] = [
        PageBreak(),
        Paragraph(_markup(annex.heading), STYLES["annex_heading"]),
        Spacer(1, 4),
    ]
    story += [Paragraph(_markup(note), STYLES["hint"]) for note in annex.notes]
    if annex.warning:
        story += [Spacer(1, 6), Paragraph(_markup(annex.warning), STYLES["annex_warning"])]
    story += [Spacer(1, 8), HRFlowable(width="100%", thickness=0.8, color=ACCENT), Spacer(1, 6)]
    for block in html_blocks(annex.html):
        if block.kind == "rule":
            story.append(HRFlowable(width="100%", thickness=0.4, color=RULE, spaceBefore=4))
            continue
        if block.kind == "item":
            style = ParagraphStyle(
                f"item{block.depth}",
                parent=STYLES["paragraph"],
                leftIndent=14 * (block.depth + 1),
                bulletIndent=14 * block.depth,
            )
            story.append(Paragraph(block.markup, style, bulletText=block.bullet or None))
        elif block.kind == "quote":
            style = ParagraphStyle("quote", parent=STYLES["paragraph"], leftIndent=14)
            story.append(Paragraph(block.markup, style))
        else:
            story.append(Paragraph(block.markup, STYLES.get(block.kind, STYLES["paragraph"])))
        story.append(Spacer(1, 4))
    return story


def _canvas_class(
    footer_lines: list[str], attachment: tuple[str, bytes, str] | None = None
) -> type[Canvas]:
    """A canvas that holds pages back until save() so each footer can say 'page n / total'."""

    class _ReceiptCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.setDateFormatter(fixed_date)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._draw_footer(number, total)
                super().showPage()
            if attachment is not None:
                embed_file(self, *attachment)
            super().save()

        def _draw_footer(self, number: int, total: int) -> None:
            self.setFillColorRGB(*MUTED)
            self.setFont(SANS, FOOTER_SIZE)
            top = MARGIN - 6 + (len(footer_lines) - 1) * FOOTER_LEADING
            for index, line in enumerate(footer_lines):
                self.drawString(MARGIN, top - index * FOOTER_LEADING, line)
            self.drawRightString(PAGE_WIDTH - MARGIN, MARGIN - 6, f"{number} / {total}")

    return _ReceiptCanvas


def render_receipt(doc: ReceiptDocument) -> bytes:
    """Return the receipt as PDF bytes; the same document always yields the same bytes."""
    register_fonts()
    # The footer is wrapped first so the frame leaves exactly enough room for it.
    footer_lines = wrap_text(doc.footer, SANS, FOOTER_SIZE, FRAME_WIDTH - 40)[:8]
    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 8 + len(footer_lines) * FOOTER_LEADING,
        invariant=1,
        title=clean(doc.heading),
        author=clean(doc.organisation_name),
        subject=clean(doc.pdf_subject),
        creator=CREATOR,
        producer=CREATOR,
        lang=doc.language,
        initialFontName=SANS,  # else an unused, unembedded Helvetica lands in every page
    )
    story = [
        Paragraph(_markup(doc.organisation_name), STYLES["org"]),
        Spacer(1, 4),
        Paragraph(_markup(doc.heading), STYLES["heading"]),
        Spacer(1, 12),
        *([_rows_table(doc), Spacer(1, 18)] if doc.rows else []),
        _verification_table(doc),
        *(_annex_story(doc.annex) if doc.annex else []),
    ]
    template.build(story, canvasmaker=_canvas_class(footer_lines, doc.attachment))
    return buffer.getvalue()
