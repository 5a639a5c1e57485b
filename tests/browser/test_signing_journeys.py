"""Journeys: an employee signs the policy, downloads the receipt and verifies it; admin and HR."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.core import hooks
from app.core.client import ClientInfo
from app.policy import signing
from tests.browser.conftest import menu_link, sign_in
from tests.conftest import PASSWORD
from tests.policy_helpers import publish

pytestmark = pytest.mark.usefixtures("no_signing_prerequisites")


@pytest.fixture
def prerequisite_met(app):
    """A prerequisite registered as the learning area will, already satisfied for everyone."""
    seen = []

    def modules_done(user):
        seen.append(user.id)
        return None

    with hooks.signing_prerequisites.override(app, [modules_done]):
        yield seen


def test_employee_signs_downloads_the_receipt_and_verifies_it(
    page, server_url, employee, check_page, prerequisite_met, tmp_path
):
    publish(1)
    sign_in(page, server_url, employee.email, PASSWORD)
    page.get_by_role("link", name="The policy", exact=True).click()
    expect(page.get_by_role("heading", name="Social media policy", level=1)).to_be_visible()
    expect(page.get_by_text("You have not signed the policy yet")).to_be_visible()
    check_page(page)

    # A wrong name first: a clear message, nothing signed.
    page.get_by_label(re.compile("I have read and understood the social-media policy")).check()
    page.get_by_label("Your full name").fill("Someone Else")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the policy").click()
    expect(page.get_by_text("Nothing was signed").first).to_be_visible()
    check_page(page)

    page.get_by_label(re.compile("I have read and understood the social-media policy")).check()
    page.get_by_label("Your full name").fill("elodie employee")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the policy").click()
    expect(page.get_by_text("Thank you: your signature is recorded.")).to_be_visible()
    assert prerequisite_met, "the prerequisite registry was consulted"
    check_page(page)
    code = page.locator(".copyable").first.inner_text().strip()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the receipt (PDF)").click()
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.read_bytes().startswith(b"%PDF")
    assert target.suffix == ".pdf"

    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{server_url}/verify/{code.lower()}")
    expect(page.get_by_text("This document is genuine.")).to_be_visible()
    expect(page.get_by_text(employee.full_name)).to_be_visible()
    check_page(page)

    page.get_by_label("Verification code").fill("0000-0000-0000-0000-0000")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("No document matches this code.")).to_be_visible()
    check_page(page)


def test_admin_publishes_a_new_version_and_the_employee_sees_what_changed(
    page, server_url, admin, employee, check_page
):
    publish(1)
    signing.sign(
        employee,
        version_number=1,
        locale="en",
        typed_name=employee.full_name,
        password=PASSWORD,
        client=ClientInfo(ip="127.0.0.1"),
    )
    sign_in(page, server_url, admin.email, PASSWORD)
    menu_link(page, "The policy", "Policy versions").click()
    check_page(page)
    page.get_by_role("link", name="Preview version 2").click()
    expect(page.get_by_role("heading", name="Preview of version 2")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Back to the versions").click()
    page.get_by_role("button", name="Publish version 2").click()
    expect(page.get_by_text("Version 2 is published")).to_be_visible()
    check_page(page)

    menu_link(page, "The policy", "Signatures").click()
    expect(
        page.get_by_role("cell", name=re.compile("^Older version version 1 signed on"))
    ).to_be_visible()
    check_page(page)
    page.get_by_label("Policy status").select_option("outdated")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("1 person")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, server_url, employee.email, PASSWORD)
    page.goto(f"{server_url}/policy")
    expect(page.get_by_text("To sign again")).to_be_visible()
    expect(page.get_by_role("heading", name="What changed")).to_be_visible()
    expect(page.get_by_text("generative AI").first).to_be_visible()
    check_page(page)


def test_policy_page_fits_a_phone_screen(page, server_url, employee):
    publish(1)
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, server_url, employee.email, PASSWORD)
    page.goto(f"{server_url}/policy")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
