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


# A count in a message that is not a plural entry, followed by a plural word: it reads
# "1 personnes" for one. These counts are constants of 2 or more (password length, limits).
CONSTANT_COUNTS = {
    "Choose a password of at least %(n)d characters.",
    "At most %(n)d characters.",
    "Send between 1 and %(n)d employees.",
    "%(col)s is longer than %(n)d characters",
    "Showing the first %(shown)d of %(total)d people.",
    "Show this code to the photographer: they scan it, or type it, to record that you appear in "
    "their photo or video. It says nothing about you by itself, works once and ends in "
    "%(minutes)d minutes (at %(time)s).",
}


def test_french_plurals_go_through_ngettext():
    import re

    with open(CATALOG / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    bracketed = [
        m.id
        for m in catalog
        if m.id
        and any(
            re.search(r"\w\((?:s|es|x|e|le)\)", text)
            for text in ([m.string] if isinstance(m.string, str) else m.string)
        )
    ]
    assert bracketed == [], f"bracketed plurals, use ngettext: {bracketed}"
    counted = [
        m.id
        for m in catalog
        if m.id
        and isinstance(m.id, str)
        and m.id not in CONSTANT_COUNTS
        and re.search(r"%\(\w+\)d\s+\w+[sx]\b", m.string or "")
    ]
    assert counted == [], f"a count before a plural word outside ngettext: {counted}"
