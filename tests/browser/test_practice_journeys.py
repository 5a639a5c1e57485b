"""Journeys on a module with practice blocks and a drawn quiz: answer a "what would you do?"
block, fail the quiz, follow the link to the step that teaches what was missed, retake."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import answer_quiz, sign_in
from tests.conftest import PASSWORD

FIXTURE = Path(__file__).resolve().parents[1] / "learn" / "fixtures" / "guarded"


@pytest.fixture
def app_config(tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "src")
    return {
        "CONTENT_DIR": str(tmp_path / "src" / "content"),
        "QUIZZES_DIR": str(tmp_path / "src" / "quizzes"),
    }


def test_practice_feedback_then_a_failed_quiz_points_to_the_steps(
    page, server_url, employee, check_page
):
    sign_in(page, server_url, employee.email, PASSWORD)
    page.goto(f"{server_url}/learn/basics/1")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("group", name="What would you do?")).to_be_visible()
    page.get_by_label("I wait for my last day.").check()
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("status")).to_contain_text("Too late")
    expect(page.get_by_label("I wait for my last day.")).to_be_checked()
    check_page(page)
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Finish and take the quiz").click()
    expect(page.locator("fieldset.question")).to_have_count(4)
    answer_quiz(page, "basics", False)
    expect(page.get_by_role("heading", name="Not passed yet")).to_be_visible()
    expect(page.get_by_text("Correct answer")).to_have_count(0)
    check_page(page)
    page.get_by_role("link", name="Official accounts").click()
    expect(page.get_by_role("heading", name="Handing over an account")).to_be_visible()
    page.go_back()
    page.get_by_role("button", name="Retake the quiz").click()
    answer_quiz(page, "basics", True)
    expect(page.get_by_role("heading", name="Passed")).to_be_visible()
    expect(page.get_by_text("Correct answer").first).to_be_visible()
