"""Helpers for tests that read pages in French or in the organisation's time zone.

The test app runs every request inside the test's app context, so `g` (where Flask-Babel keeps
the locale and time zone it chose) outlives a request; `per_request_locale` makes each request
choose again, as it does in production.
"""

from __future__ import annotations

import re

from flask import Flask, g

# A bracketed plural ("module(s)") or a count with a plural noun after 1 ("1 personnes").
BRACKETED_PLURAL = re.compile(r"\w\(s\)|\w\(es\)|\w\(x\)")
ONE_PLURAL = re.compile(r"(?<![\d,.])1\s+(?:personnes|modules|employés|attestations|relances)\b")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def per_request_locale(app: Flask) -> None:
    """Forget the locale, time zone and settings cached on `g` at the start of each request."""

    @app.before_request
    def _forget() -> None:
        g.pop("_flask_babel", None)
        g.pop("_charte_settings", None)


def visible_text(html: str) -> str:
    """The text a reader sees: no tags, scripts, styles or attribute values."""
    html = re.sub(r"(?is)<(script|style|template)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<!--.*?-->", " ", html)
    html = re.sub(r"(?s)<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html.replace("&nbsp;", "\u00a0"))
