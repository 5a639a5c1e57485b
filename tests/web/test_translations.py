"""Every interface string is translated into French; catalogs compile."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

CATALOG = Path(__file__).resolve().parents[2] / "app" / "translations" / "fr" / "LC_MESSAGES"


def test_french_catalog_is_complete():
    with open(CATALOG / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    missing = [
        m.id
        for m in catalog
        if m.id and (not (m.string if isinstance(m.string, str) else all(m.string)) or m.fuzzy)
    ]
    assert missing == [], f"{len(missing)} untranslated: {missing[:10]}"


def test_french_catalog_is_compiled():
    assert (CATALOG / "messages.mo").exists(), "run `make compile-translations`"
