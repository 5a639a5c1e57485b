"""Templates' gettext with one lookup of the request's translations, not one per string.

Flask-Babel installs template callables that call `get_translations()` for every string: each
call walks `g`, the domain and the locale through Werkzeug's context proxies, about a dozen
lookups. A learner page translates some seventy strings, so that walk was a sizeable part of its
time. These callables ask Flask-Babel once and keep the answer beside the locale it was made for,
on Flask-Babel's own per-request state: a `force_locale()` block (mail in the recipient's
language) sets another locale object, so the translations are looked up again there and again
after it. Outside a request (the command line) they ask Flask-Babel every time, as before.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.globals import _cv_app
from flask_babel import get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

_KEPT = "charte_template_translations"


def _translations() -> Any:
    app_context = _cv_app.get(None)
    state = app_context.g.__dict__.get("_flask_babel") if app_context is not None else None
    if state is None:
        return get_translations()  # Flask-Babel makes its state on the first call
    kept = state.__dict__.get(_KEPT)
    locale = state.__dict__.get("babel_locale")
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1]
    translations = get_translations()
    setattr(state, _KEPT, (state.__dict__.get("babel_locale"), translations))
    return translations


@pass_context
def _gettext(context: Context, string: str, **variables: Any) -> str:
    """`_()` and `gettext()` in templates, as Jinja's new-style gettext behaves: translated,
    marked safe under autoescape, then formatted with the variables (escaped)."""
    translated = _translations().ugettext(string)
    if context.eval_ctx.autoescape:
        translated = Markup(translated)  # noqa: S704  # nosec B704 - the catalogue's own text
    # Jinja formats even without variables, turning "%%" into "%"; a text without "%" comes out
    # of that unchanged, so it skips the formatting (most of the work for a short string).
    if variables or "%" in translated:
        return translated % variables  # type: ignore[no-any-return]
    return translated


def install(app: Flask) -> None:
    """Replace Flask-Babel's template callables (call after `babel.init_app`).

    Jinja's own `_()` resolves `gettext` from the context on every call and wraps it twice;
    a page translates dozens of strings, so `_` and `gettext` are one direct function here."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda string: _translations().ugettext(string),
        ngettext=lambda singular, plural, n: _translations().ungettext(singular, plural, n),
        newstyle=True,
        pgettext=lambda context, string: _translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: _translations().unpgettext(
            context, singular, plural, n
        ),
    )
    app.jinja_env.globals.update(_=_gettext, gettext=_gettext)
