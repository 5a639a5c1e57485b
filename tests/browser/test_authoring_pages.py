"""Every content authoring page, in the states people meet, at 1280 px and 390 px: axe-core and
the Nu HTML Checker. The crawl of test_every_page reaches the pages a link leads to; the states
reached only by a form (errors next to fields, a refused retirement, a draft with problems) are
visited here, as an administrator would meet them."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import check_both_widths, menu_link, sign_in
from tests.conftest import PASSWORD

SLUG = "why-a-policy"
RETIRED = "managers"
CONSENT_EN = "content/consent/social-media.en.md"


def test_every_authoring_page_passes_axe_and_the_html_checker(page, server_url, admin, check_page):
    sign_in(page, server_url, admin.email, PASSWORD)
    menu_link(page, "Learning", "Write the content").click()
    page.get_by_label("Name of the draft").fill("Autumn update")
    page.get_by_role("button", name="Start a draft").click()
    expect(page.get_by_role("heading", name="Autumn update")).to_be_visible()
    draft_url = page.url
    check_both_widths(page, check_page)  # an open draft that changes nothing yet

    # The module page with its settings forms, then each form's errors next to its fields.
    page.get_by_role("link", name=f"Edit {SLUG}", exact=True).click()
    expect(page.get_by_role("heading", name="Module settings")).to_be_visible()
    module_url = page.url
    check_both_widths(page, check_page)
    page.get_by_label("Title (French)").fill("")
    page.get_by_label("Duration in minutes").fill("0")
    page.get_by_role("button", name="Save the module settings").click()
    expect(page.locator("#title_fr-error")).to_contain_text("'title' must not be empty")
    check_both_widths(page, check_page)
    page.goto(module_url)
    page.get_by_label("Questions drawn per attempt").fill("40")
    page.get_by_label("Pass mark (percent)").fill("101")
    page.get_by_role("button", name="Save the quiz settings").click()
    expect(page.locator("#pass_mark-error")).to_contain_text("between 1 and 100")
    expect(page.locator("#draw-error")).to_contain_text("the pool has")
    check_both_widths(page, check_page)

    # A good change is saved; a quiz question left in one language is saved too, so the draft
    # then shows its problems (and cannot be published yet).
    page.goto(module_url)
    page.get_by_label("Title (English)").fill("Why we have a social-media policy")
    page.get_by_role("button", name="Save the module settings").click()
    expect(page.get_by_text("Module settings saved in the draft.")).to_be_visible()
    check_both_widths(page, check_page)
    page.get_by_role("link", name="When does the policy apply to what you post?").click()
    page.get_by_label("Right answers (choice ids, separated by commas)").fill("zz")
    page.get_by_role("button", name="Save in the draft").click()
    expect(page.locator("#correct-error")).to_be_visible()
    check_both_widths(page, check_page)  # a question with an error next to its field
    page.get_by_label("Right answers (choice ids, separated by commas)").fill("b")
    page.get_by_label("Question (English)").fill("")
    page.get_by_role("button", name="Save in the draft").click()
    expect(page.get_by_text("Question saved in the draft.")).to_be_visible()
    page.goto(draft_url)
    expect(page.get_by_text("in one language only")).to_be_visible()
    check_both_widths(page, check_page)  # a draft with its problems listed
    page.goto(f"{server_url}/admin/content/drafts/{draft_url.rsplit('/', 1)[1]}/preview/{SLUG}/en")
    expect(page.get_by_role("heading", name="This module cannot be shown yet")).to_be_visible()
    check_both_widths(page, check_page)

    # A step, the whole-file editor with an error shown, the consent text editor.
    page.goto(module_url)
    page.get_by_role("link", name="A guide for you, not a gag").click()
    expect(page.get_by_label("Step heading (English)")).to_be_visible()
    check_both_widths(page, check_page)
    page.goto(f"{draft_url}/file?path=content/modules/{SLUG}.fr.md")
    page.get_by_label("File text").fill("---\nslug: why-a-policy\n---\n")
    page.get_by_role("button", name="Save in the draft").click()
    expect(page.locator("#text-error")).to_be_visible()
    check_both_widths(page, check_page)
    page.goto(f"{draft_url}/file?path={CONSENT_EN}")
    expect(page.get_by_label("File text")).to_contain_text("social-media")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Preview as an employee")).to_be_visible()
    check_both_widths(page, check_page)

    # Retiring: the confirmation, a refusal with its reason, the retired module, restoring.
    page.goto(module_url.replace(SLUG, RETIRED))
    page.get_by_role("link", name="Retire this module…").click()
    expect(page.get_by_role("heading", name=f"Retire the module {RETIRED}?")).to_be_visible()
    check_both_widths(page, check_page)
    page.get_by_role("button", name="Retire it in this draft").click()
    expect(page.get_by_text("Retirement saved in the draft")).to_be_visible()
    check_both_widths(page, check_page)  # a module retired in the draft
    page.get_by_role("link", name="Restore this module…").click()
    expect(page.get_by_role("heading", name=f"Restore the module {RETIRED}?")).to_be_visible()
    check_both_widths(page, check_page)
    page.goto(module_url.replace(SLUG, "generative-ai") + "/retire")
    page.get_by_role("button", name="Retire it in this draft").click()
    expect(page.get_by_text("no module step teaches it")).to_be_visible()
    check_both_widths(page, check_page)  # a retirement refused, with the reason

    page.goto(draft_url)
    page.get_by_role("button", name="Discard the draft").click()
    page.goto(draft_url)
    expect(page.get_by_text("This draft is closed")).to_be_visible()
    check_both_widths(page, check_page)  # a closed draft
