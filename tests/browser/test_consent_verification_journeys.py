"""Journey: an agency holding a consent receipt checks it after the person withdrew."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from app.core.codes import format_code
from tests.consent_helpers import at, decide


def test_a_withdrawn_consent_reads_withdrawn_on_both_verification_pages(
    page, server_url, employee, purposes, check_page
):
    grant = decide(employee, "company-website", "photo", "granted", when=at(date(2025, 1, 10)))
    decide(employee, "company-website", "photo", "revoked", when=at(date(2025, 3, 4)))

    page.goto(f"{server_url}/image-consent/verify/{grant.code}")
    heading = page.get_by_role("heading", level=2).first
    expect(heading).to_contain_text("Withdrawn on March 4, 2025")
    expect(heading).to_contain_text("no longer allows any use of the image")
    expect(page.locator(".badge-ok")).to_have_count(0)
    check_page(page)

    page.goto(f"{server_url}/verify")
    page.get_by_label("Verification code").fill(format_code(grant.code).lower())
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", level=2).first).to_contain_text("Withdrawn on March 4, 2025")
    expect(page.get_by_text("This document is genuine.")).to_have_count(0)
    check_page(page)
