"""Journeys: an employee reads their Me page and downloads their data; HR and admin privacy pages."""

from __future__ import annotations

import json
import re
import zipfile

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import menu_link, sign_in
from tests.conftest import PASSWORD
from tests.privacy_helpers import with_records


@pytest.fixture
def records(employee, no_signing_prerequisites):
    with_records(employee)


def test_me_page_and_export_download(page, server_url, employee, records, check_page):
    sign_in(page, server_url, employee.email, PASSWORD)
    page.get_by_role("link", name="Me", exact=True).click()
    expect(page.get_by_role("heading", name="Everything about me", level=1)).to_be_visible()
    expect(page.get_by_text(re.compile("granted until"))).to_be_visible()
    check_page(page)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download all my data (ZIP)").click()
    download = download_info.value
    assert download.suggested_filename == "charte-export.zip"
    archive = zipfile.ZipFile(download.path())
    document = json.loads(archive.read("charte-export.json"))
    assert document["profile"]["email"] == employee.email
    page.get_by_label("Preferred language").select_option("fr")
    page.get_by_role("button", name="Save my language").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    check_page(page)


def test_text_as_signed_from_the_me_page(page, server_url, employee, records, check_page):
    sign_in(page, server_url, employee.email, PASSWORD)
    page.goto(f"{server_url}/me")
    page.get_by_role("link", name="Text as signed version 1").click()
    expect(page.get_by_role("heading", name="The text you signed", level=1)).to_be_visible()
    expect(page.locator("article.policy-text")).to_contain_text("Purpose and scope")
    expect(page.get_by_role("alert")).to_have_count(0)
    check_page(page)
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_me_page_fits_a_phone(page, server_url, employee, records):
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, server_url, employee.email, PASSWORD)
    page.goto(f"{server_url}/me")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_hr_and_admin_privacy_pages(page, server_url, admin, employee, check_page):
    sign_in(page, server_url, admin.email, PASSWORD)
    menu_link(page, "Settings", "Privacy").click()
    expect(page.get_by_role("heading", name="Record of processing")).to_be_visible()
    check_page(page)
    page.goto(f"{server_url}/hr/employees/{employee.id}/deactivate")
    expect(page.get_by_role("heading", name=re.compile("^Deactivate"))).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_text("Choose what happens to their image consents.")).to_be_visible()
    page.get_by_label("Keep them until they expire").check()
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_text(re.compile("can no longer sign in"))).to_be_visible()
    page.goto(f"{server_url}/hr/people/{employee.id}/paper-signature")
    expect(page.get_by_role("heading", name="Record a paper signature")).to_be_visible()
    check_page(page)
