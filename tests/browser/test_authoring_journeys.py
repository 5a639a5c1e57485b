"""Journey: HR edits a quiz question in a draft, meets a validation error, fixes it, publishes;
the employee's next attempt is drawn from the new quiz."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models.learning import QuizAttempt, QuizSnapshot
from tests.browser.conftest import check_both_widths, menu_link, sign_in
from tests.browser.test_learning_journeys import _read_module
from tests.conftest import PASSWORD

SLUG = "why-a-policy"
NEW_PROMPT = "When does the charter apply to what you post online?"


def test_hr_edits_a_quiz_question_and_the_next_attempt_uses_it(
    page, server_url, hr, employee, check_page
):
    sign_in(page, server_url, hr.email, PASSWORD)
    menu_link(page, "Learning", "Write the content").click()
    expect(page.get_by_role("heading", name="Write the content", exact=True)).to_be_visible()
    check_both_widths(page, check_page)

    page.get_by_label("Name of the draft").fill("Spring update")
    page.get_by_role("button", name="Start a draft").click()
    expect(page.get_by_role("heading", name="Spring update")).to_be_visible()
    check_both_widths(page, check_page)

    page.get_by_role("link", name=f"Edit {SLUG}", exact=True).click()
    expect(page.get_by_role("heading", name=f"Module {SLUG}")).to_be_visible()
    check_both_widths(page, check_page)
    page.get_by_role("link", name="When does the policy apply to what you post?").click()
    expect(page.get_by_label("Question (English)")).to_have_value(
        "When does the policy apply to what you post?"
    )
    check_both_widths(page, check_page)

    # An invalid edit: the error shows next to the field and nothing is saved.
    page.get_by_label("Question (English)").fill(NEW_PROMPT)
    page.get_by_label("Right answers (choice ids, separated by commas)").fill("zz")
    page.get_by_role("button", name="Save in the draft").click()
    expect(page.locator("#correct-error")).to_contain_text("'zz' is not one of the choice ids")
    check_both_widths(page, check_page)

    # With JavaScript the preview follows the typing (without it, the Preview button does).
    page.get_by_label("Question (English)").fill("Live preview check")
    expect(page.locator(".authoring-preview").get_by_text("Live preview check")).to_be_visible()
    page.get_by_label("Question (English)").fill(NEW_PROMPT)

    # Fixed, previewed as an employee, then saved.
    page.get_by_label("Right answers (choice ids, separated by commas)").fill("b")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator(".authoring-preview")
    expect(preview.get_by_text(NEW_PROMPT)).to_be_visible()
    check_both_widths(page, check_page)
    page.get_by_role("button", name="Save in the draft").click()
    expect(page.get_by_text("Question saved in the draft.")).to_be_visible()

    # The step and whole-file editors pass the same checks.
    page.get_by_role("link", name="A guide for you, not a gag").click()
    expect(page.get_by_label("Step heading (English)")).to_have_value("A guide for you, not a gag")
    check_both_widths(page, check_page)
    page.go_back()
    page.get_by_role("link", name=f"quizzes/{SLUG}.yaml").click()
    expect(page.get_by_label("File text")).to_contain_text(NEW_PROMPT)
    check_both_widths(page, check_page)
    page.go_back()
    page.get_by_role("link", name="Preview in French").click()
    expect(
        page.get_by_role("heading", name="Pourquoi une charte des réseaux sociaux ?")
    ).to_be_visible()
    check_both_widths(page, check_page)
    page.go_back()
    page.get_by_role("link", name="Preview in English").click()
    expect(page.get_by_text(NEW_PROMPT)).to_be_visible()

    page.get_by_role("link", name="Spring update").click()
    expect(page.get_by_text("The content check passes with this draft")).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published: employees get the new content")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, server_url, employee.email, PASSWORD)
    page.get_by_role("link", name="Why a social-media policy?", exact=True).click()
    _read_module(page, SLUG)
    expect(page.get_by_role("button", name="Submit my answers")).to_be_visible()
    db.session.rollback()  # a fresh snapshot: the server committed on its own connection
    attempt = db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.id.desc())).first()
    snapshot = db.session.get(QuizSnapshot, attempt.quiz_hash)
    first = snapshot.definition["questions"][0]
    assert first["prompt"]["en"] == NEW_PROMPT
    if first["id"] in attempt.question_order:  # a drawn quiz shows part of its pool
        expect(page.get_by_text(NEW_PROMPT)).to_be_visible()
