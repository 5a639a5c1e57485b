"""Journey: an admin builds the policy from the guided outline, HR approves, it is published;
an employee signs; a minor edit asks nobody to sign; a major edit (count confirmed) shows the
employee a redline and makes due again only the modules teaching the changed section."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from app.assignments import due
from tests.browser.conftest import check_both_widths, menu_link, sign_in
from tests.conftest import PASSWORD
from tests.learning_helpers import complete_module

pytestmark = pytest.mark.usefixtures("no_signing_prerequisites")


def _sign(page, name: str) -> None:
    page.get_by_label(re.compile("I have read and understood")).check()
    page.get_by_label("Your full name").fill(name)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the policy").click()
    expect(page.get_by_text("Thank you: your signature is recorded.")).to_be_visible()


def _approve(page, server_url, hr, draft_url) -> None:
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, server_url, hr.email, PASSWORD)
    page.goto(draft_url)
    page.get_by_role("button", name="Approve this draft").click()
    expect(page.get_by_text("You approved the draft")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()


def _edit_section(page, section_id: str, old: str, new: str) -> None:
    page.locator(f"#section-{section_id}").get_by_role("link").click()
    body = page.get_by_label("Text (English, Markdown)")
    body.fill(body.input_value().replace(old, new))
    page.get_by_role("button", name="Save the section").click()
    expect(page.get_by_text("The section is saved.")).to_be_visible()


def test_build_approve_publish_sign_minor_major_redline(
    app, page, server_url, admin, hr, employee, check_page
):
    sign_in(page, server_url, admin.email, PASSWORD)
    menu_link(page, "The policy", "Policy drafts").click()
    check_both_widths(page, check_page)
    page.get_by_role("button", name="New policy from the guided outline").click()
    expect(page.get_by_role("heading", name=re.compile("^Draft \\d+$"))).to_be_visible()
    draft_url = page.url
    check_both_widths(page, check_page)
    # Remove one section, add one from the outline.
    page.get_by_role("button", name="Remove spokespeople").click()
    expect(page.locator("#section-spokespeople")).to_have_count(0)
    page.get_by_label("Section id").fill("generative-ai")
    page.get_by_role("button", name="Add the section").click()
    expect(page.get_by_role("heading", name="Section generative-ai")).to_be_visible()
    expect(page.get_by_role("heading", name="Guidance")).to_be_visible()
    check_both_widths(page, check_page)
    page.get_by_role("link", name=re.compile("Back to draft")).click()
    # Preview in both languages, as employees will read it.
    page.get_by_role("link", name="Preview as employees read it (FR)").click()
    expect(
        page.get_by_role("heading", name="Charte d’utilisation des réseaux sociaux")
    ).to_be_visible()
    check_both_widths(page, check_page)
    page.get_by_role("link", name="EN", exact=True).click()
    expect(page.get_by_role("heading", name="Social media policy")).to_be_visible()
    expect(page.get_by_text("Generative artificial intelligence")).to_be_visible()
    check_both_widths(page, check_page)
    # The author cannot approve; a second person does.
    page.goto(draft_url)
    expect(page.get_by_role("button", name="Approve this draft")).to_have_count(0)
    _approve(page, server_url, hr, draft_url)
    sign_in(page, server_url, admin.email, PASSWORD)
    page.goto(draft_url)
    page.get_by_role("link", name="Publish…").click()
    check_both_widths(page, check_page)
    page.get_by_label("Major: everyone must read and sign the policy again").check()
    page.get_by_label("I understand who will be asked to sign again").check()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("Version 1 is published.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # The employee completes two modules (quickly, outside the browser), then reads and signs.
    learner = app.test_client()
    with app.app_context():
        from tests.conftest import Auth

        Auth(learner).login(employee.email)
        complete_module(learner, "confidential-information")
        complete_module(learner, "account-security")
    sign_in(page, server_url, employee.email, PASSWORD)
    page.goto(f"{server_url}/policy")
    _sign(page, employee.full_name)
    page.get_by_role("button", name="Sign out").click()

    # A minor edit: no new signature.
    sign_in(page, server_url, admin.email, PASSWORD)
    menu_link(page, "The policy", "Policy drafts").click()
    page.get_by_role("button", name="Start from the published version 1").click()
    minor_url = page.url
    _edit_section(page, "respect", "towards anyone", "towards anybody")
    _approve(page, server_url, hr, minor_url)
    sign_in(page, server_url, admin.email, PASSWORD)
    page.goto(minor_url)
    page.get_by_role("link", name="Publish…").click()
    page.get_by_label("Minor: wording or typo; no new signature").check()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("Version 1.1 is published.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, server_url, employee.email, PASSWORD)
    page.goto(f"{server_url}/policy")
    expect(page.get_by_text("Version 1.1")).to_be_visible()
    expect(page.get_by_text("Signed", exact=True)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # A major edit: the count is shown and confirmed.
    sign_in(page, server_url, admin.email, PASSWORD)
    menu_link(page, "The policy", "Policy drafts").click()
    page.get_by_role("button", name="Start from the published version 1.1").click()
    major_url = page.url
    _edit_section(page, "confidentiality", "Do not disclose", "Never disclose")
    page.get_by_role("link", name="Preview as employees read it (EN)").click()
    expect(
        page.get_by_role("heading", name="Changes from the published version 1.1")
    ).to_be_visible()
    check_both_widths(page, check_page)
    page.goto(major_url)
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    check_both_widths(page, check_page)
    _approve(page, server_url, hr, major_url)
    sign_in(page, server_url, admin.email, PASSWORD)
    page.goto(major_url)
    page.get_by_role("link", name="Publish…").click()
    expect(page.get_by_text("A major version asks 3 active people to sign again.")).to_be_visible()
    expect(page.get_by_text("1 of them signed the current version.")).to_be_visible()
    page.get_by_label("Major: everyone must read and sign the policy again").check()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("Tick to confirm that everyone will sign again.")).to_be_visible()
    check_both_widths(page, check_page)
    page.get_by_label("Major: everyone must read and sign the policy again").check()
    page.get_by_label("I understand who will be asked to sign again").check()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("Version 2 is published.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # The employee sees the redline beside the summary, and the modules on what changed.
    sign_in(page, server_url, employee.email, PASSWORD)
    page.goto(f"{server_url}/policy")
    expect(page.get_by_text("To sign again")).to_be_visible()
    redline = page.locator(".redline")
    expect(redline).to_have_count(1)
    expect(redline.locator("del")).to_contain_text("deleted: Do not")
    expect(redline.locator("ins")).to_contain_text("inserted: Never")
    expect(page.get_by_role("link", name="What not to share")).to_be_visible()
    check_both_widths(page, check_page)
    with app.app_context():
        items = due.summaries([employee], datetime.now(UTC).date())[employee.id].items
        modules = {i.key for i in items if i.key.startswith("module:") and not i.done}
    assert "module:confidential-information" in modules
    assert "module:account-security" not in modules
    _sign(page, employee.full_name)
