"""Constants shared by the Charte PDF documents: metadata, fixed date and colours."""

from __future__ import annotations

CREATOR = "Charte"
# A fixed date string, not the clock, so that re-rendering yields identical bytes
# whatever SOURCE_DATE_EPOCH or the timezone of the host says.
FIXED_PDF_DATE = "D:20000101000000+00'00'"

INK = (0.12, 0.16, 0.2)
MUTED = (0.36, 0.4, 0.45)
ACCENT = (0.17, 0.32, 0.51)
RULE = (0.8, 0.83, 0.86)


def fixed_date(*_parts: int) -> str:
    """Date formatter for reportlab canvases: always the same CreationDate and ModDate."""
    return FIXED_PDF_DATE
