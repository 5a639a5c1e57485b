"""Per-request shortcuts stay correct: WTForms' messages in the reader's language from a catalogue
read once per process, and read-only pages named by endpoints that exist."""

from __future__ import annotations

import re

from flask import g
from flask_babel import force_locale
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from app import database
from app.web import form_translations


class _NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField(validators=[DataRequired()])


def _required_message(app, language: str) -> str:
    with app.test_request_context(
        "/", method="POST", data={}, headers={"Accept-Language": language}
    ):
        g.pop("_flask_babel", None)  # (the fixture's app context spans the test)
        form = _NameForm()
        assert not form.validate()
        return form.name.errors[0]


def test_wtforms_messages_follow_the_language_and_read_the_catalogue_once(app):
    form_translations._catalogue.cache_clear()
    assert _required_message(app, "en") == "This field is required."
    assert _required_message(app, "fr") == "Ce champ est requis."
    assert _required_message(app, "fr") == "Ce champ est requis."
    assert form_translations._catalogue.cache_info().misses == 2  # once per language


def test_wtforms_messages_follow_force_locale(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        g.pop("_flask_babel", None)
        with force_locale("fr"):
            assert (
                form_translations.CharteRequest.wtforms_translations.ugettext(
                    "This field is required."
                )
                == "Ce champ est requis."
            )


def test_read_only_pages_name_real_get_endpoints(app):
    """A misspelt endpoint would silently leave its page on the slower path."""
    get_endpoints = {r.endpoint for r in app.url_map.iter_rules() if "GET" in (r.methods or ())}
    assert get_endpoints >= database.READ_ONLY_ENDPOINTS


def test_a_skipped_read_is_trusted_only_on_a_read_only_page_of_the_same_person(app):
    key = "charte.example"
    with app.test_request_context("/", method="GET", environ_base={key: (7, False)}):
        assert database.known_none(key, 7)
        assert not database.known_none(key, 8)  # someone else's answer
    with app.test_request_context("/", method="POST", environ_base={key: (7, False)}):
        assert not database.known_none(key, 7)  # a request that writes reads again
    with app.test_request_context("/", method="GET", environ_base={key: (7, True)}):
        assert not database.known_none(key, 7)


def test_the_kept_header_carries_each_session_its_own_token_and_page(
    app, client, auth, employee, other_employee
):
    for person in (employee, other_employee):  # the second one gets the kept header
        auth.login(person.email)
        page = client.get("/learn/why-a-policy/1?from=<home>").get_data(as_text=True)
        assert 'name="next" value="/learn/why-a-policy/1?from=&lt;home&gt;"' in page
        assert "charte-csrf-token-placeholder" not in page
        assert "charte-next-path-placeholder" not in page
        # The header's language form works: its token is this session's.
        token = re.search(r'class="lang-switch".*?name="csrf_token" value="([^"]+)"', page, re.S)
        switched = client.post(
            "/language", data={"csrf_token": token.group(1), "locale": "fr", "next": "/"}
        )
        assert switched.status_code == 302
        assert 'lang="fr"' in client.get("/").get_data(as_text=True)
        auth.logout()
        g.pop("csrf_token", None)  # (tests share one app context: Flask-WTF keeps it on g)


def test_read_only_pages_have_no_rate_limit_on_a_get(app):
    """The rate limiter skips the read-only pages' GETs (app/database.py): a limit that applies
    to their GET would never be checked, so declaring one must change that list first. (The
    policy page's limit is on its POST, a signature, which is still counted.)"""
    from app.extensions import limiter

    for endpoint in database.READ_ONLY_ENDPOINTS:
        with app.test_request_context("/", method="GET"):
            defaults, decorated = limiter.limit_manager.resolve_limits(
                app, endpoint, endpoint.split(".")[0]
            )
            assert not defaults, endpoint
            assert all(limit.method_exempt for limit in decorated), endpoint


def test_a_kept_step_shows_each_session_its_own_token_and_an_admin_change_at_once(
    app, client, auth, employee, other_employee, admin
):
    from tests.conftest import CSRF_RE

    tokens = []
    for person in (employee, other_employee):  # the second one gets the kept step body
        auth.login(person.email)
        page = client.get("/learn/why-a-policy/1").get_data(as_text=True)
        assert "charte-csrf-token-placeholder" not in page
        tokens.append(set(CSRF_RE.findall(page)))
        # The kept "Next" form works with this session's token.
        moved = client.post(
            "/learn/why-a-policy/1", data={"csrf_token": CSRF_RE.search(page).group(1)}
        )
        assert moved.status_code == 302 and moved.location.endswith("/learn/why-a-policy/2")
        auth.logout()
        g.pop("csrf_token", None)  # (tests share one app context: Flask-WTF keeps it on g)
        with client.session_transaction() as cookie_session:  # the next person's own secret
            cookie_session.pop("csrf_token", None)
    assert tokens[0] and tokens[1] and not tokens[0] & tokens[1]

    from app.core import settings
    from app.core.client import ClientInfo

    settings.update({"organisation.name": "Zorglub SAS"}, actor=admin, client=ClientInfo.system())
    g.pop("_charte_settings", None)
    auth.login(employee.email)
    assert "Zorglub SAS" in client.get("/learn/why-a-policy/1").get_data(as_text=True)


def test_the_async_check_is_made_once_per_function_and_still_told_apart(app):
    def plain():
        return "plain"

    async def coroutine():
        return "async"

    for _ in range(2):  # the second answer comes from what the first one found
        assert app.ensure_sync(plain) is plain
        try:
            wrapped = app.ensure_sync(coroutine)
        except RuntimeError as missing_extra:  # Flask without asgiref refuses async views
            assert "async" in str(missing_extra)
        else:
            assert wrapped is not coroutine and wrapped() == "async"


def test_a_static_url_is_built_once_per_mount_point_and_matches_flask(app):
    from flask import Flask, url_for

    for root in ("", "/charte"):
        with app.test_request_context("/", base_url=f"http://localhost{root}/"):
            kept = url_for("static", filename="css/charte.css")
            built = Flask.url_for(app, "static", filename="css/charte.css")
            assert kept == built and kept.startswith(f"{root}/static/css/charte.css?v=")
            assert url_for("static", filename="css/charte.css") is kept  # from the store
            external = url_for("static", filename="css/charte.css", _external=True)
            assert external.startswith("http") and external.endswith(kept)
    app.debug = True  # files may change under a developer: built each time
    try:
        with app.test_request_context("/"):
            first = url_for("static", filename="css/charte.css")
            assert url_for("static", filename="css/charte.css") is not first
    finally:
        app.debug = False
