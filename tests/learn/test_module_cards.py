"""The home's module cards are kept per module and standing (app.learn.cards): what is kept is
the same for everyone in that standing, but each person's form carries their own CSRF token."""

from __future__ import annotations

import re

from tests.conftest import make_user
from tests.learning_helpers import complete_module

SLUG = "why-a-policy"
AGAIN_FORM = re.compile(
    rf'<form method="post" action="/learn/{SLUG}/again"><input type="hidden" '
    r'name="csrf_token" value="([^"]+)">'
)


def _again_token(client) -> str:
    home = client.get("/").get_data(as_text=True)
    found = AGAIN_FORM.search(home)
    assert found, "no “Take it again” form on the home page"
    # The page's own token (the sign-out form's): the kept card got this request's, not another's.
    sign_out = re.search(
        r'action="/logout">\s*<input type="hidden" name="csrf_token" value="([^"]+)"', home
    )
    assert sign_out and sign_out.group(1) == found.group(1)
    return found.group(1)


def test_each_person_gets_the_page_token_in_a_kept_card_and_it_works(app, client, auth):
    first = make_user("first@example.com", "First Person")
    second = make_user("second@example.com", "Second Person")
    for person in (first, second):
        auth.login(person.email)
        complete_module(client, SLUG)
        token = _again_token(client)
        assert "charte-csrf-token-placeholder" not in client.get("/").get_data(as_text=True)
        response = client.post(f"/learn/{SLUG}/again", data={"csrf_token": token})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/learn/{SLUG}/1")
        auth.logout()


def test_a_card_changes_with_the_standing_and_the_language(app, client, auth, employee):
    auth.login(employee.email)
    home = client.get("/").get_data(as_text=True)
    assert "Not started" in home and not AGAIN_FORM.search(home)
    complete_module(client, SLUG)
    home = client.get("/").get_data(as_text=True)
    assert AGAIN_FORM.search(home)
    card = home.split(f'href="/learn/{SLUG}"', 1)[1].split("</li>", 1)[0]
    assert "Completed" in card and "Not started" not in card
