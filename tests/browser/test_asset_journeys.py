"""Journey: communications records a photo of three people, publishes it without the one who
refused, one of the others withdraws from "My image", communications takes it down, she sees it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from app.models.types import utcnow
from app.models.user import Role
from tests.browser.conftest import menu_link, sign_in
from tests.conftest import PASSWORD, make_user
from tests.consent.test_assets import jpeg_with_gps
from tests.consent_helpers import decide

SOCIAL_USE = "The company's official social-media accounts — Photo"
POST_URL = "https://www.linkedin.com/posts/charte-team-day"


def test_asset_publish_withdraw_and_take_down(
    page, server_url, employee, other_employee, purposes, check_page
):
    comms = make_user("comms@example.com", "Camille Com", role=Role.COMMUNICATIONS)
    third = make_user("third@example.com", "Thomas Tiers", department="Ventes")
    decide(employee, "social-media", "photo", "granted")
    decide(other_employee, "social-media", "photo", "granted")
    decide(third, "social-media", "photo", "refused")
    today = utcnow().date().isoformat()

    sign_in(page, server_url, comms.email, PASSWORD)
    menu_link(page, "Image consent", "Consent register").click()
    page.get_by_role("link", name="Assets").click()
    check_page(page)
    page.get_by_role("link", name="Record a photo or video").click()
    page.get_by_label("Title").fill("Team day")
    page.get_by_label("Date taken").fill(today)
    page.get_by_label("Place or event").fill("Lyon seminar")
    page.get_by_label("Photographer").fill("Paul Photo")
    page.get_by_label(re.compile("^File")).set_input_files(
        {"name": "team.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}
    )
    check_page(page)
    page.get_by_role("button", name="Record the asset").click()
    expect(page.get_by_text("Asset recorded.")).to_be_visible()
    for name in ("Élodie", "Olivier", "Thomas"):
        page.get_by_label("Find people by name").fill(name)
        page.get_by_role("button", name="Search").click()
        page.get_by_label(re.compile(name)).check()
        page.get_by_role("button", name="Tag", exact=True).click()
    check_page(page)

    page.locator("#check-purpose").select_option(label=SOCIAL_USE)
    page.get_by_role("button", name="Check", exact=True).click()
    table = page.locator("#publishability")
    expect(
        table.get_by_role("row", name=re.compile("Élodie Employée Yes consent valid until"))
    ).to_be_visible()
    expect(table.get_by_role("row", name=re.compile("Olivier Autre Yes"))).to_be_visible()
    expect(table.get_by_role("row", name=re.compile("Thomas Tiers No refused on"))).to_be_visible()
    check_page(page)
    # The publication form leaves out whoever may not appear: the refused person is unticked.
    expect(page.locator("#pub-" + str(third.id))).not_to_be_checked()
    page.get_by_label("Channel").fill("LinkedIn")
    page.get_by_label("Link or reference").fill(POST_URL)
    page.get_by_role("button", name="Record the publication").click()
    expect(page.get_by_text("Publication recorded with its consent check.")).to_be_visible()
    expect(page.locator("#publications").get_by_text(POST_URL)).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, server_url, employee.email, PASSWORD)
    page.goto(f"{server_url}/me/image")
    expect(page.get_by_role("link", name="Team day")).to_be_visible()
    expect(page.get_by_role("link", name=POST_URL)).to_be_visible()
    expect(page.get_by_text(re.compile("It relied on your consent valid until"))).to_be_visible()
    check_page(page)
    page.get_by_role("button", name=re.compile("^Withdraw my consent for this use")).click()
    expect(page.get_by_text(re.compile("Consent withdrawn for"))).to_be_visible()
    expect(page.get_by_text("To be taken down: communications has been told")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, server_url, comms.email, PASSWORD)
    page.goto(f"{server_url}/consent/assets/takedown")
    row = page.locator("#takedown tbody tr")
    expect(row).to_have_count(1)
    expect(row.get_by_text(POST_URL)).to_be_visible()
    expect(row.get_by_role("cell", name="Élodie Employée", exact=True)).to_be_visible()
    check_page(page)
    row.get_by_role("button", name=re.compile("^Record")).click()
    expect(page.get_by_text(re.compile("Decision recorded"))).to_be_visible()
    expect(page.get_by_text("Nothing to take down.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, server_url, employee.email, PASSWORD)
    page.goto(f"{server_url}/me/image")
    expect(page.get_by_text(f"Removed on {today}")).to_be_visible()
    check_page(page)


def test_photo_code_at_an_event_and_a_leavers_withdrawal(
    page, server_url, hr, employee, purposes, check_page
):
    """A person shows their photo code, the photographer types it on the phone page; a leaver
    withdraws from the link their offboarding would mail (the pages at both widths)."""
    from app.consent import leavers, offboarding
    from app.consent.assets import register
    from app.core.client import ClientInfo
    from app.extensions import db
    from tests.browser.conftest import check_both_widths

    comms = make_user("comms@example.com", "Camille Com", role=Role.COMMUNICATIONS)
    asset = register.create(
        register.NewAsset(title="Gala", medium="photo", external_ref="dam:42"),
        file=None,
        thumbnail=None,
        people=[],
        actor=comms,
        client=ClientInfo.system(),
    )
    sign_in(page, server_url, employee.email, PASSWORD)
    page.goto(f"{server_url}/me")
    page.get_by_role("button", name="Show my photo code").click()
    expect(page.get_by_role("img", name="QR code of my photo code")).to_be_visible()
    check_both_widths(page, check_page)
    code = page.locator(".photo-code-text").inner_text().strip()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, server_url, comms.email, PASSWORD)
    page.goto(f"{server_url}/consent/assets/{asset.id}")
    page.get_by_role("link", name=re.compile("tag people by their photo code")).click()
    check_both_widths(page, check_page)
    page.get_by_label("Photo code").fill(code)
    page.get_by_role("button", name="Tag this person").click()
    expect(page.get_by_text("Élodie Employée is tagged.")).to_be_visible()
    page.get_by_label("Photo code").fill(code)
    page.get_by_role("button", name="Tag this person").click()
    expect(page.get_by_text(re.compile("This code was already used"))).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    db.session.rollback()  # drop this session's snapshot: the server has written since
    decide(employee, "social-media", "photo", "granted")
    offboarding.deactivate(employee, offboarding.KEEP, actor=hr, client=ClientInfo.system())
    page.goto(f"{server_url}/image-consent/leaver")
    check_both_widths(page, check_page)
    page.goto(
        f"{server_url}/image-consent/leaver/{leavers.make_token(employee, leavers.FROM_FORM)}"
    )
    check_both_widths(page, check_page)
    page.get_by_role("button", name="Withdraw").click()
    expect(page.get_by_text("1 consent withdrawn.", exact=False)).to_be_visible()
    check_page(page)
