"""Journeys: an employee completes module 1, fails module 2's quiz once and passes on retake."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from app.learn.content import catalog
from tests.browser.conftest import answer_quiz, sign_in
from tests.conftest import PASSWORD


def _read_module(page, slug: str, check_page=None) -> None:
    module = catalog.module_or_none(slug)
    for number in range(1, module.step_count + 1):
        expect(page.get_by_text(f"Step {number} of {module.step_count}")).to_be_visible()
        if check_page and number == 2:
            check_page(page)
        if number < module.step_count:
            page.get_by_role("button", name="Next").click()
        else:
            page.get_by_role("button", name="Finish and take the quiz").click()


def test_employee_completes_one_module_and_retakes_a_failed_quiz(
    page, server_url, employee, check_page
):
    sign_in(page, server_url, employee.email, PASSWORD)
    expect(page.get_by_text("0 of 11 required modules completed")).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Why a social-media policy?", exact=True).click()
    _read_module(page, "why-a-policy", check_page)
    expect(
        page.get_by_role("heading", name=re.compile("Quiz: Why a social-media policy"))
    ).to_be_visible()
    check_page(page)
    answer_quiz(page, "why-a-policy", right=True)
    expect(page.get_by_role("heading", name="Passed")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Back to my modules").click()
    expect(page.get_by_text("1 of 11 required modules completed")).to_be_visible()

    page.get_by_role("link", name="Optimising your professional profile", exact=True).click()
    _read_module(page, "professional-profile")
    answer_quiz(page, "professional-profile", right=False)
    expect(page.get_by_role("heading", name="Not passed yet")).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Retake the quiz").click()
    answer_quiz(page, "professional-profile", right=True)
    expect(page.get_by_role("heading", name="Passed")).to_be_visible()
    page.get_by_role("link", name="Back to my modules").click()
    expect(page.get_by_text("Completed", exact=True)).to_have_count(2)


def test_module_step_fits_a_phone_screen(page, server_url, employee):
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, server_url, employee.email, PASSWORD)
    for url in ("/", "/learn/why-a-policy/1"):
        page.goto(f"{server_url}{url}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
