"""Journey: signed in on a laptop and a phone, the person signs out of all devices from the
laptop's Me page; the phone is signed out too."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def test_sign_out_of_all_devices_ends_the_other_browser(
    browser, browser_context_args, server_url, employee, check_page
):
    laptop = browser.new_context(**browser_context_args).new_page()
    phone = browser.new_context(**{**browser_context_args, "user_agent": PHONE}).new_page()
    sign_in(laptop, server_url, employee.email, PASSWORD)
    sign_in(phone, server_url, employee.email, PASSWORD)

    laptop.goto(f"{server_url}/me")
    section = laptop.get_by_role("region", name="Signed-in browsers").first  # not its table
    expect(section).to_be_visible()
    expect(section.get_by_role("row")).to_have_count(3)  # the header and two browsers
    expect(section.get_by_role("cell", name="Safari · iOS", exact=True)).to_be_visible()
    expect(section.get_by_text("This browser")).to_have_count(1)
    check_page(laptop)

    phone.goto(f"{server_url}/me")
    expect(phone.get_by_role("heading", name="Everything about me")).to_be_visible()

    section.get_by_role("button", name="Sign out of all devices").click()
    expect(laptop.get_by_text("You are signed out of all your devices")).to_be_visible()
    expect(laptop).to_have_url(re.compile(r"/login$"))

    phone.goto(f"{server_url}/me")
    expect(phone).to_have_url(re.compile(r"/login\?next="))
    expect(phone.get_by_role("button", name="Sign in")).to_be_visible()
    laptop.goto(f"{server_url}/me")
    expect(laptop).to_have_url(re.compile(r"/login\?next="))
