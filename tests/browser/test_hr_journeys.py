"""Journey: HR looks at the dashboard, filters overdue people in one department, sends them
reminders, exports them as CSV and opens one person's timeline (axe-core and the HTML checker on
every page)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.demo import seed
from app.extensions import db
from app.models.user import User
from tests.browser.conftest import check_both_widths, menu_link, sign_in
from tests.hr_helpers import HR_EMAIL, organisation


@pytest.fixture
def app_config(smtp_server):
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server.port,
        "CHARTE_BASE_URL": "http://charte.test",
    }


def test_hr_filters_overdue_people_reminds_exports_and_opens_a_timeline(
    page, server_url, app, check_page, smtp_server
):
    organisation(40)
    sign_in(page, server_url, HR_EMAIL, seed.DEMO_PASSWORD)
    page.get_by_role("button", name="EN").click()  # the demo HR manager reads French by default
    menu_link(page, "Reports", "Dashboard").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.get_by_role("img", name="Programme completion by department")).to_be_visible()
    page.get_by_text("Show the data").first.click()
    expect(page.get_by_role("table", name="Programme completion by department")).to_be_visible()
    check_page(page)

    menu_link(page, "People", "Employees").click()
    check_page(page)
    page.get_by_role("combobox", name="Department").select_option("Marketing")
    page.get_by_role("combobox", name="Deadlines").select_option("overdue")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("status")).to_contain_text("employee")
    listed = page.locator("table.people tbody tr td:first-child a").all_inner_texts()
    assert listed, "some Marketing people are overdue in the generated organisation"
    check_page(page)
    list_url = page.url
    # The column chooser: a narrower table for a small laptop, the filters kept.
    page.locator("summary", has_text="Columns").click()
    page.get_by_role("checkbox", name="Last activity").uncheck()
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("columnheader", name="Last activity")).to_have_count(0)
    expect(page.get_by_role("columnheader", name="Policy")).to_be_visible()
    assert page.locator("table.people tbody tr td:first-child a").all_inner_texts() == listed
    check_both_widths(page, check_page)
    page.goto(list_url)

    page.get_by_role("link", name="Send reminders…").click()
    expect(page.get_by_role("heading", name="Reminders")).to_be_visible()
    expect(page.get_by_role("combobox", name="Department")).to_have_value("Marketing")
    expect(page.get_by_label("Overdue only")).to_be_checked()
    check_page(page)
    # Reminders go to active accounts only; the list also shows deactivated people.
    emails = set(
        db.session.scalars(
            select(User.email).where(User.full_name.in_(listed), User.active.is_(True))
        )
    )
    assert emails
    page.get_by_role("button", name="Send the reminders").click()
    expect(
        page.get_by_text(re.compile(rf"^{len(emails)} reminders? sent by email and in the app"))
    ).to_be_visible()
    assert {m["To"] for m in smtp_server.messages} == emails
    check_page(page)

    page.goto(list_url)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == "employees.csv"
    with open(download.path(), encoding="utf-8") as exported:
        rows = list(csv.reader(io.StringIO(exported.read())))
    assert rows[0][:3] == ["Name", "Email", "Department"]
    assert {r[2] for r in rows[1:]} == {"Marketing"}
    assert {r[7] for r in rows[1:]} == {"yes"}
    assert sorted(r[0] for r in rows[1:]) == sorted(listed)

    page.get_by_role("link", name=listed[0], exact=True).first.click()
    expect(page.get_by_role("heading", name=listed[0])).to_be_visible()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    expect(page.get_by_text("Account created")).to_be_visible()
    check_page(page)


def test_dashboard_and_list_fit_a_phone(page, server_url, app):
    organisation(10)
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, server_url, HR_EMAIL, seed.DEMO_PASSWORD)
    page.get_by_role("button", name="EN").click()
    for path in ("/hr", "/hr/employees", "/hr/quiz-insight"):
        page.goto(server_url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    assert re.search("Dashboard", page.content())
