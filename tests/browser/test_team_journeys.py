"""Journey: a manager signs in, sees their team with two people overdue, reminds one, and the
escalation rule (with an injected clock) tells HR after the configured delay, which HR reads on
the person's timeline (axe-core and the HTML checker on every page)."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect

from app.assignments import escalation
from app.core.client import ClientInfo
from app.models.user import Role
from app.people import managers
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_user

DUE = date(2026, 9, 15)  # everyone started on 2026-09-01; the programme is due 14 days later


def test_a_manager_reminds_a_late_report_and_hr_hears_of_it_after_the_delay(
    page, server_url, app, check_page
):
    boss = make_user("manon.manager@example.com", "Manon Manager")
    first = make_user("paul.late@example.com", "Paul Late")
    second = make_user("lea.late@example.com", "Léa Late")
    make_user("hr.person@example.com", "Hélène RH", role=Role.HR)
    for person in (first, second):
        managers.set_manager(person, boss, actor=None, client=ClientInfo.system())

    sign_in(page, server_url, boss.email, PASSWORD)
    page.get_by_role("link", name="My team").click()
    expect(page.get_by_role("heading", name="My team")).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("table tbody").get_by_text("Overdue")).to_have_count(2)
    expect(page.get_by_text("2 people overdue")).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Remind Paul Late").click()
    expect(page.get_by_text("Paul Late was reminded.")).to_be_visible()
    check_page(page)

    # The scheduled job, with an injected clock: 20 days late is before HR's delay (21).
    with app.app_context():
        before = escalation.run(DUE + timedelta(days=20))
        assert before.hr == 0 and before.manager == 2  # the manager heard of her two reports
        told = escalation.run(DUE + timedelta(days=21))
        assert {n.user_id for n in told.notices} >= {first.id, second.id}  # (everyone is late)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, server_url, "hr.person@example.com", PASSWORD)
    page.goto(f"{server_url}/hr/employees/{first.id}")
    expect(page.get_by_text("Overdue for 21 days: HR told")).to_be_visible()
    expect(page.get_by_text("Overdue for 20 days: manager told")).to_be_visible()
    check_page(page)
