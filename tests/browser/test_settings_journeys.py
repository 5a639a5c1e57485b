"""Journey: an administrator switches every checkbox setting on, then off again (issue 20)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.core.test_settings_booleans import BOOLEAN_SETTINGS


def _box(page, key: str):
    return page.locator(f'input[type="checkbox"][name="{key}"]')


def test_admin_toggles_every_boolean_setting(page, server_url, admin, check_page):
    sign_in(page, server_url, admin.email, PASSWORD)
    page.goto(f"{server_url}/admin/settings")
    check_page(page)
    for key in BOOLEAN_SETTINGS:
        for wanted in (True, False, True, False):
            box = _box(page, key)
            if box.is_checked() != wanted:
                box.set_checked(wanted)
                page.get_by_role("button", name="Save settings").click()
                expect(page.get_by_text("Settings saved (1 changed).")).to_be_visible()
            page.reload()
            assert _box(page, key).is_checked() is wanted, (key, wanted)
    check_page(page)
