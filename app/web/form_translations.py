"""WTForms' own messages ("This field is required.") without reading a catalogue per request.

Flask-WTF reads WTForms' message catalogue from disk (`babel.support.Translations.load`) once in
every request that builds a form: about a third of a millisecond on the policy page, more than
its whole form. The catalogues do not change while the process runs, so they are read once per
process and language. Flask-WTF looks for them on the request first (`request.wtforms_translations`):
the app's request class carries one shared object there that picks the catalogue of the language
in force when a message is translated (the request's, or a `force_locale()` block's).
"""

from __future__ import annotations

from functools import lru_cache

from babel import support
from flask import Flask, Request
from flask_babel import get_locale
from wtforms.i18n import messages_path


@lru_cache(maxsize=8)
def _catalogue(locale: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _CurrentLanguage:
    """WTForms' translations in the language in force (what Flask-WTF calls on the request)."""

    __slots__ = ()

    def ugettext(self, string: str) -> str:
        return _catalogue(str(get_locale())).ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return _catalogue(str(get_locale())).ungettext(singular, plural, n)


class CharteRequest(Request):
    """Flask's request, with WTForms' catalogues found where Flask-WTF looks for them."""

    wtforms_translations = _CurrentLanguage()


def install(app: Flask) -> None:
    app.request_class = CharteRequest
