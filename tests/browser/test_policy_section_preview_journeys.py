"""Journey: in the policy builder's section editor, the preview beside the text follows the
typing (either language) without saving; the page passes axe and the HTML checker."""

from __future__ import annotations

from playwright.sync_api import expect

from app.core.client import ClientInfo
from app.extensions import db
from app.policy.builder import drafts
from tests.browser.conftest import check_both_widths, sign_in
from tests.conftest import PASSWORD


def test_the_section_preview_follows_the_typing(page, server_url, hr, check_page):
    draft = drafts.create_from_outline(hr, ClientInfo.system())
    db.session.commit()
    revision = draft.revision
    sign_in(page, server_url, hr.email, PASSWORD)
    page.goto(f"{server_url}/admin/policy/drafts/{draft.id}/sections/scope")
    preview = page.locator("#section-preview")
    expect(preview).to_be_visible()
    check_both_widths(page, check_page)

    page.get_by_label("Text (English, Markdown)").fill(
        "Typed **live** for {{ organisation_name }}.\n\n<script>window.hacked = 1</script>"
    )
    expect(preview.locator("strong", has_text="live")).to_be_visible()
    expect(preview).to_contain_text("Typed live for Charte Demo SA.")
    assert page.evaluate("window.hacked === undefined")
    page.get_by_label("Heading (French)").fill("Portée en direct")
    expect(preview.get_by_text("Portée en direct")).to_be_visible()
    check_both_widths(page, check_page)

    # Nothing was saved: the preview is not the draft.
    db.session.expire_all()
    assert drafts.get(draft.id).revision == revision
    assert "Typed" not in drafts.find_section(drafts.get(draft.id), "scope").body_en
