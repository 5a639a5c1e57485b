"""Register the DejaVu TrueType fonts shipped in app/pdf/fonts/ with reportlab, once per process."""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

# The font files live in a sibling directory that shares this module's name;
# it has no __init__.py, so Python still imports this file for `app.pdf.fonts`.
FONT_DIR = Path(__file__).resolve().parent / "fonts"

SANS = "CharteSans"
SANS_BOLD = "CharteSans-Bold"
SERIF = "CharteSerif"
SERIF_BOLD = "CharteSerif-Bold"
MONO = "CharteMono"

_FILES = {
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    SERIF: "DejaVuSerif.ttf",
    SERIF_BOLD: "DejaVuSerif-Bold.ttf",
    MONO: "DejaVuSansMono.ttf",
}

_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the Charte font names with reportlab; cheap and safe to call on every render."""
    global _registered
    # Parsing a TTF costs tens of milliseconds, so it must happen once per
    # process, not once per document; the lock covers threaded WSGI servers.
    if _registered:
        return
    with _lock:
        if _registered:
            return
        for name, filename in _FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
        # Family mappings let Paragraph markup such as <b> pick the bold face.
        for family, regular, bold in ((SANS, SANS, SANS_BOLD), (SERIF, SERIF, SERIF_BOLD)):
            addMapping(family, 0, 0, regular)
            addMapping(family, 1, 0, bold)
            addMapping(family, 0, 1, regular)
            addMapping(family, 1, 1, bold)
        addMapping(MONO, 0, 0, MONO)
        addMapping(MONO, 1, 0, MONO)
        addMapping(MONO, 0, 1, MONO)
        addMapping(MONO, 1, 1, MONO)
        _registered = True
