"""Journeys: an employee completes a module, downloads the certificate and verifies it; HR."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import answer_quiz, menu_link, sign_in
from tests.browser.test_learning_journeys import _read_module
from tests.conftest import PASSWORD


def test_employee_completes_a_module_downloads_and_verifies_the_certificate(
    page, server_url, employee, hr, check_page, tmp_path
):
    sign_in(page, server_url, employee.email, PASSWORD)
    page.get_by_role("link", name="My certificates").click()
    expect(page.get_by_text("You have no certificate yet")).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Home").click()
    page.get_by_role("link", name="Why a social-media policy?", exact=True).click()
    _read_module(page, "why-a-policy")
    answer_quiz(page, "why-a-policy", right=True)
    expect(page.get_by_role("heading", name="Passed")).to_be_visible()

    page.get_by_role("link", name="My certificates").click()
    expect(page.get_by_role("heading", name="Why a social-media policy?")).to_be_visible()
    check_page(page)
    code = page.locator(".copyable").first.inner_text().strip()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the certificate (PDF)").click()
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.suffix == ".pdf" and target.read_bytes().startswith(b"%PDF")

    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{server_url}/verify/{code}")
    expect(page.get_by_text("This document is genuine.")).to_be_visible()
    expect(page.get_by_text(employee.full_name)).to_be_visible()
    expect(page.get_by_text("Certificate of completion")).to_be_visible()
    check_page(page)

    # HR revokes it with a reason; the verification page then says so.
    sign_in(page, server_url, hr.email, PASSWORD)
    menu_link(page, "Reports", "Certificates").click()
    expect(page.get_by_text("1 certificate", exact=True)).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Details").first.click()
    check_page(page)
    page.get_by_role("button", name="Revoke the certificate").click()
    expect(page.get_by_text("Give the reason for revoking this certificate.").first).to_be_visible()
    check_page(page)
    page.get_by_label("Reason for revoking").fill("Issued by mistake")
    page.get_by_role("button", name="Revoke the certificate").click()
    expect(page.get_by_text("The certificate is revoked.")).to_be_visible()
    check_page(page)
    page.goto(f"{server_url}/verify/{code}")
    expect(page.get_by_text("This document was revoked and is no longer valid.")).to_be_visible()
    check_page(page)


def test_my_certificates_fits_a_phone_screen(page, server_url, employee):
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, server_url, employee.email, PASSWORD)
    page.goto(f"{server_url}/me/certificates")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
