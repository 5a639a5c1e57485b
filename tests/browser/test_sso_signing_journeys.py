"""Journey: an employee who only has the company account completes the modules and signs.

No password in Charte: the signature is confirmed by a new sign-in at the (real, loopback)
identity provider, which Charte asks for with prompt=login and max_age=0 and checks by the ID
token's auth_time. The receipt's code then verifies publicly.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.learn.progress import placed_modules
from app.models.acknowledgement import Acknowledgement
from tests.browser.conftest import answer_quiz
from tests.browser.test_learning_journeys import _read_module
from tests.conftest import make_user
from tests.oidc_provider import charte_config
from tests.policy_helpers import publish

SECRET = "provider password"


@pytest.fixture
def app_config(oidc_provider):
    return charte_config(oidc_provider)


@pytest.fixture
def provider(oidc_provider, server_url):
    oidc_provider.client.redirect_uris.append(f"{server_url}/login/sso/callback")
    oidc_provider.remember_sign_in = True  # as a real provider does with its own cookie
    return oidc_provider


def sign_in_at_provider(page, username: str) -> None:
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(SECRET)
    page.get_by_role("button", name="Continue").click()


def test_sso_only_employee_completes_the_modules_and_signs(page, server_url, provider, check_page):
    person = make_user("sacha.sso@example.com", "Sacha Sso", password=None)
    provider.add_user(username="sacha", password=SECRET, email=person.email, name="Sacha Sso")
    publish(1)

    page.goto(f"{server_url}/login")
    page.get_by_role("link", name="Sign in with your company account").click()
    sign_in_at_provider(page, "sacha")
    expect(page.get_by_role("heading", name="Hello, Sacha Sso")).to_be_visible()

    required = [placed.module for placed in placed_modules() if placed.required]
    for module in required:
        page.goto(f"{server_url}/learn/{module.slug}")
        _read_module(page, module.slug)
        answer_quiz(page, module.slug, right=True)
        expect(page.get_by_role("heading", name="Passed")).to_be_visible()
    page.goto(f"{server_url}/")
    expect(page.get_by_text(f"{len(required)} of {len(required)} required modules")).to_be_visible()

    page.get_by_role("link", name="The policy", exact=True).click()
    expect(page.get_by_text("You have no password here")).to_be_visible()
    expect(page.get_by_label("Your password")).to_have_count(0)
    check_page(page)
    page.get_by_label(re.compile("I have read and understood the social-media policy")).check()
    page.get_by_label("Your full name").fill("sacha sso")
    page.get_by_role("button", name="Sign the policy").click()

    # The provider still remembers the sign-in above, but Charte asked it to check again.
    page.wait_for_url(provider.issuer + "/authorize**")
    assert "prompt=login" in page.url and "max_age=0" in page.url
    sign_in_at_provider(page, "sacha")

    expect(page.get_by_text("Thank you: your signature is recorded.")).to_be_visible()
    check_page(page)
    db.session.rollback()  # a fresh snapshot: the server committed on its own connection
    ack = db.session.scalar(select(Acknowledgement).where(Acknowledgement.user_id == person.id))
    assert ack is not None and ack.auth_method == "sso_step_up"
    code = page.locator(".copyable").first.inner_text().strip()

    page.goto(f"{server_url}/verify/{code.lower()}")
    expect(page.get_by_text("This document is genuine.")).to_be_visible()
    expect(page.get_by_text("Sacha Sso")).to_be_visible()
