"""Journeys: a new hire follows only the primary action from first sign-in to the end of the
programme; HR reminds someone without a mail server and they see it in the app."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect

from app.extensions import db
from app.learn.content import catalog
from tests.browser.conftest import answer_quiz, check_both_widths, menu_link, sign_in
from tests.conftest import PASSWORD
from tests.policy_helpers import publish

PRIMARY = ".primary-action .button.primary, .result .button.primary"


def _through_module(page) -> str:
    """From the first step of the module on screen to its passed quiz; returns its slug."""
    slug = page.url.split("/learn/")[1].split("/")[0]
    while True:
        finish = page.get_by_role("button", name="Finish and take the quiz")
        if finish.count():
            finish.click()
            break
        before = page.url
        page.get_by_role("button", name="Next", exact=True).click()
        # count() above does not wait: look again only once the next step is on screen.
        page.wait_for_url(lambda url, before=before: url != before)
    answer_quiz(page, slug)
    expect(page.get_by_role("heading", name="Passed")).to_be_visible()
    return slug


def test_a_new_hire_follows_the_primary_action_to_the_end_of_the_programme(
    page, server_url, employee, purposes, check_page
):
    publish(1)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, server_url, employee.email, PASSWORD)
    expect(page.get_by_role("heading", name="Your next step")).to_be_visible()
    expect(page.locator(".primary-action")).to_contain_text(re.compile(r"About \d+ minutes"))
    check_both_widths(page, check_page)
    page.locator(PRIMARY).first.click()
    check_both_widths(page, check_page)  # a module step

    required = [m for m in catalog.catalog().modules if m.required]
    done = []
    for number in range(len(required)):
        done.append(_through_module(page))
        if number == 0:
            check_both_widths(page, check_page)  # the quiz result
        button = page.locator(PRIMARY).first
        if number < len(required) - 1:
            expect(button).to_contain_text("Next module")
        else:
            expect(button).to_have_text("Next step")
        button.click()
    assert len(set(done)) == len(required)

    # After the last module, the primary action is the policy.
    expect(page.get_by_role("heading", name="Social media policy", level=1)).to_be_visible()
    page.get_by_label(re.compile("I have read and understood the social-media policy")).check()
    page.get_by_label("Your full name").fill(employee.full_name)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the policy").click()
    expect(page.get_by_text("Thank you: your signature is recorded.")).to_be_visible()
    expect(page.get_by_role("link", name="My image")).not_to_have_count(0)
    check_both_widths(page, check_page)
    page.locator(PRIMARY).first.click()

    expect(page.get_by_role("heading", name="Programme completed")).to_be_visible()
    expect(page.get_by_role("link", name="Download your certificate (PDF)")).to_be_visible()
    check_both_widths(page, check_page)
    page.goto(f"{server_url}/")
    expect(page.locator(".primary-action")).to_contain_text("Choose how your image may be used")


def test_hr_reminds_without_mail_and_the_employee_sees_it_in_the_app(
    page, server_url, app, employee, hr, check_page
):
    assert not app.config.get("MAIL_SERVER")
    employee.start_date = date(2020, 1, 6)  # the programme is overdue whatever today is
    db.session.commit()
    sign_in(page, server_url, hr.email, PASSWORD)
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    check_both_widths(page, check_page)
    menu_link(page, "Learning", "Reminders").click()
    expect(page.get_by_text("reminders reach people in the app only")).to_be_visible()
    check_both_widths(page, check_page)
    page.get_by_role("button", name=f"Remind {employee.full_name}").click()
    expect(page.get_by_text("1 reminder sent in the app")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, server_url, employee.email, PASSWORD)
    bell = page.get_by_role("link", name=re.compile("Notifications"))
    expect(bell).to_contain_text("1")
    bell.click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    check_both_widths(page, check_page)
    page.get_by_role("button", name=re.compile("HR reminds you of")).click()
    expect(page.get_by_role("heading", name="Your next step")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Notifications"))).not_to_contain_text("1")


def test_staff_menus_work_without_javascript_and_stay_short_on_a_phone(browser, server_url, admin):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 844}, locale="en-GB"
    )
    page = context.new_page()
    sign_in(page, server_url, admin.email, PASSWORD)
    nav = page.get_by_role("navigation", name="Main menu")
    assert nav.bounding_box()["height"] < 130
    menu_link(page, "People", "Employees").click()
    expect(page.get_by_role("heading", name="Employees", level=1)).to_be_visible()
    expect(nav.locator("summary.is-current")).to_have_text("People")
    context.close()
