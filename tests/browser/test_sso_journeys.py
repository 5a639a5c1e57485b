"""Journeys: signing in through the company's identity provider (a real one, on loopback)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.oidc_provider import charte_config

SECRET = "provider password"


@pytest.fixture
def app_config(oidc_provider):
    return charte_config(oidc_provider)


@pytest.fixture
def provider(oidc_provider, server_url):
    """The provider, told about Charte's callback on this test's server."""
    oidc_provider.client.redirect_uris.append(f"{server_url}/login/sso/callback")
    return oidc_provider


def sign_in_at_provider(page, username: str) -> None:
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(SECRET)
    page.get_by_role("button", name="Continue").click()


def test_employee_signs_in_with_the_company_account(
    page, server_url, provider, employee, check_page
):
    provider.add_user(username="elodie", password=SECRET, email=employee.email)
    page.goto(f"{server_url}/login")
    check_page(page)

    page.get_by_role("link", name="Sign in with your company account").click()
    assert page.url.startswith(provider.issuer + "/authorize")
    sign_in_at_provider(page, "elodie")

    expect(page.get_by_role("heading", name="Hello, Élodie Employée")).to_be_visible()
    assert page.url == f"{server_url}/"
    check_page(page)


def test_unknown_person_is_told_to_ask_hr(page, server_url, provider, check_page):
    provider.add_user(username="newbie", password=SECRET, email="newbie@example.com")
    page.goto(f"{server_url}/login")
    page.get_by_role("link", name="Sign in with your company account").click()
    sign_in_at_provider(page, "newbie")

    expect(
        page.get_by_text("There is no account for this email. Ask HR to invite you.")
    ).to_be_visible()
    assert page.url == f"{server_url}/login"
    check_page(page)


def test_login_page_with_sso_fits_a_phone_screen(page, server_url, provider):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{server_url}/login")
    expect(page.get_by_role("link", name="Sign in with your company account")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
