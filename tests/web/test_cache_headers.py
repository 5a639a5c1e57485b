"""Pages with personal data and every download tell browsers and proxies not to store them;
shared static files keep their year-long caching."""

from __future__ import annotations

import pytest

from tests.api_helpers import bearer, issue
from tests.conftest import post_form
from tests.consent_helpers import decide


def _no_store(response) -> bool:
    return response.headers.get("Cache-Control") == "no-store" and "Expires" not in response.headers


@pytest.mark.parametrize("path", ["/me", "/", "/me/image", "/policy", "/me/certificates"])
def test_signed_in_pages_are_not_stored(client, auth, employee, path):
    auth.login(employee.email)
    response = client.get(path)
    assert response.status_code == 200, path
    assert _no_store(response), (path, response.headers.get("Cache-Control"))


@pytest.mark.parametrize("path", ["/hr/employees", "/hr", "/hr/employees.csv"])
def test_hr_pages_and_exports_are_not_stored(client, auth, hr, employee, path):
    auth.login(hr.email)
    response = client.get(path)
    assert response.status_code == 200, path
    assert _no_store(response), (path, response.headers.get("Cache-Control"))


def test_downloads_are_not_stored(client, auth, employee, purposes):
    event = decide(employee, "company-website", "photo", "granted")
    auth.login(employee.email)
    receipt = client.get(f"/me/image/receipts/{event.id}.pdf")
    assert receipt.status_code == 200 and _no_store(receipt)
    export = post_form(client, "/me/export", page="/me")
    assert export.status_code == 200 and _no_store(export)


def test_api_answers_are_not_stored(client, admin, employee):
    response = client.get("/api/v1/employees", headers=bearer(issue(admin)))
    assert response.status_code == 200 and _no_store(response)


def test_static_files_stay_cacheable_for_a_signed_in_person(client, auth, employee):
    auth.login(employee.email)
    page = client.get("/me").get_data(as_text=True)
    css = page.split('href="/static/css/', 1)[1].split('"', 1)[0]
    response = client.get("/static/css/" + css.replace("&amp;", "&"))
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]


def test_anonymous_sign_in_page_is_not_forced_to_no_store(client):
    assert client.get("/login").headers.get("Cache-Control") != "no-store"
