"""Journey: an admin issues an API token (shown once), revokes it, and registers a webhook."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from app.integrations import outbound
from tests.browser.conftest import menu_link, sign_in
from tests.conftest import PASSWORD
from tests.network import StubResolver


def test_issue_and_revoke_a_token_then_register_a_webhook(
    page, server_url, admin, check_page, monkeypatch
):
    monkeypatch.setattr(outbound, "resolver", StubResolver())  # never real DNS
    attempts: list = []
    # The addresses typed below are only handed to the validator: any connection fails the test.
    monkeypatch.setattr(outbound, "send", lambda destination, *a, **k: attempts.append(destination))
    sign_in(page, server_url, admin.email, PASSWORD)
    menu_link(page, "Settings", "Integrations").click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    check_page(page)
    page.get_by_label("Name").fill("HR software sync")
    page.get_by_label("employees:write").check()
    page.get_by_label("status:read").check()
    page.get_by_role("button", name="Create the token").click()
    value = page.get_by_label("Token", exact=True).input_value()
    assert re.fullmatch(r"chrt_[A-Za-z0-9_\-]{40,}", value)
    check_page(page)
    page.goto(f"{server_url}/admin/api-tokens")
    expect(page.get_by_text(value[:11] + "…")).to_be_visible()
    assert value not in page.content()
    page.get_by_role("button", name="Revoke — HR software sync").click()
    expect(page.get_by_text("The token was revoked.")).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Webhooks").first.click()
    expect(page.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
    page.get_by_label("Address (https://…)").fill("https://169.254.169.254/latest/meta-data/")
    page.get_by_label("consent.revoked").check()
    page.get_by_role("button", name="Register the endpoint").click()
    expect(page.get_by_text("This address cannot receive webhooks.")).to_be_visible()
    check_page(page)
    page.get_by_label("Address (https://…)").fill("https://hooks.example.com/charte")
    page.get_by_role("button", name="Register the endpoint").click()
    expect(page.get_by_label("Signing secret")).to_have_value(re.compile(r"^whsec_"))
    check_page(page)
    page.set_viewport_size({"width": 360, "height": 740})
    check_page(page)
    assert attempts == []
