"""Journey: an employee grants image consent, HR checks a publication, the employee revokes."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import menu_link, sign_in
from tests.conftest import PASSWORD

WEBSITE = "Company website, Photo"
SOCIAL = "The company's official social-media accounts, Photo"


def test_grant_check_revoke_and_review(page, server_url, employee, hr, purposes, check_page):
    sign_in(page, server_url, employee.email, PASSWORD)
    page.get_by_role("link", name="My image").click()
    expect(page.get_by_role("heading", name="My image", level=1)).to_be_visible()
    check_page(page)
    page.get_by_role("button", name=f"Grant — {WEBSITE}").click()
    expect(page.get_by_text("Consent recorded for “Company website” (photo)")).to_be_visible()
    page.get_by_role("button", name=f"Grant — {SOCIAL}").click()
    expect(
        page.get_by_text(re.compile("Consent recorded for “The company's official"))
    ).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, server_url, hr.email, PASSWORD)
    menu_link(page, "Image consent", "Consent register").click()
    expect(page.get_by_role("heading", name="Consent register")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Publication check").click()
    check_page(page)
    page.get_by_label("Use").select_option(
        label="The company's official social-media accounts — Photo"
    )
    page.get_by_label("Publication reference").fill("LinkedIn: team offsite")
    page.get_by_label("Find people by name").fill("Élodie")
    page.get_by_role("button", name="Search").click()
    page.get_by_label(re.compile("Élodie Employée")).check()
    check_page(page)
    page.get_by_role("button", name="Check consent").click()
    expect(page.get_by_text(re.compile(r"Yes until \w+ \d{1,2}, \d{4}"))).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, server_url, employee.email, PASSWORD)
    page.goto(f"{server_url}/me/image")
    page.get_by_role("button", name=f"Withdraw — {SOCIAL}").click()
    expect(page.get_by_text(re.compile("Consent withdrawn for"))).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, server_url, hr.email, PASSWORD)
    # The withdrawal reached HR in the app: the notice leads to the publications to review.
    page.get_by_role("link", name=re.compile("Notifications")).click()
    page.get_by_role("button", name=re.compile("A consent was withdrawn")).click()
    expect(page.get_by_role("link", name="LinkedIn: team offsite")).to_be_visible()
    expect(page.get_by_text(re.compile("revoked on"))).to_be_visible()
    check_page(page)
    page.get_by_role("button", name=re.compile("^Mark reviewed")).click()
    expect(page.get_by_text("Marked as reviewed.")).to_be_visible()
    expect(page.get_by_text("Nothing to review.")).to_be_visible()


def test_my_image_fits_a_phone(page, server_url, employee, purposes):
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, server_url, employee.email, PASSWORD)
    page.goto(f"{server_url}/me/image")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_hr_records_a_paper_form_and_admin_sets_a_duration(
    page, server_url, employee, admin, purposes, check_page
):
    sign_in(page, server_url, admin.email, PASSWORD)
    menu_link(page, "Image consent", "Consent purposes").click()
    check_page(page)
    page.get_by_label("Default duration (months) — Company website").fill("24")
    page.get_by_role("button", name="Save duration — Company website").click()
    expect(page.get_by_text("Default duration saved.")).to_be_visible()
    page.goto(f"{server_url}/hr/consent/people/{employee.id}")
    check_page(page)
    page.get_by_label("Purpose and medium").select_option(label="Company website — Video")
    page.get_by_label("Paper form reference").fill("Form 2027-118")
    page.get_by_role("button", name="Record on behalf of the employee").click()
    expect(page.get_by_text("Consent recorded for “Company website” (video)")).to_be_visible()
    expect(page.get_by_text("Form 2027-118")).to_be_visible()
    check_page(page)
