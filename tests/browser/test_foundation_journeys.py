"""Journeys: HR imports employees; an invited employee sets a password; employees meet 403."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import menu_link, sign_in
from tests.conftest import PASSWORD

CSV = (
    "email,full_name,department,job_title,start_date,locale,role\n"
    "zoe.lefevre@example.com,Zoé Lefèvre,Ventes,Commerciale,2026-12-01,en,employee\n"
    "marc.o-brien@example.com,Marc O'Brien,Support,Agent,2026-12-01,en,employee\n"
)


def test_hr_imports_a_csv_and_an_invited_employee_signs_in(
    page, server_url, hr, check_page, tmp_path
):
    sign_in(page, server_url, hr.email, PASSWORD)
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    check_page(page)

    menu_link(page, "People", "Employees").click()
    page.get_by_role("link", name="Import a CSV file").first.click()
    check_page(page)
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(CSV, encoding="utf-8")
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("2 people created, 0 people updated").first).to_be_visible()
    check_page(page)

    menu_link(page, "People", "Employees").click()
    expect(page.get_by_role("link", name="Zoé Lefèvre", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Marc O'Brien", exact=True)).to_be_visible()
    check_page(page)

    page.get_by_label("Name or email").fill("zoe")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("1 employee")).to_be_visible()
    page.locator("summary", has_text="Actions Zoé Lefèvre").click()
    page.get_by_role("button", name="Invite again Zoé Lefèvre").click()
    link = page.get_by_label("Link").input_value()
    assert "/invitation/" in link
    check_page(page)
    page.get_by_role("button", name="Sign out").click()

    page.goto(link)
    check_page(page)
    page.get_by_label("New password", exact=True).fill("zoé a un long secret")
    page.get_by_label("Repeat the new password").fill("zoé a un long secret")
    page.get_by_role("button", name="Save my password").click()
    expect(page.get_by_text("Your password is saved")).to_be_visible()
    # Choosing the password signs the person in: no second form to fill.
    expect(page.get_by_role("heading", name="Hello, Zoé Lefèvre")).to_be_visible()
    check_page(page)


def test_employee_opening_an_hr_page_sees_403(page, server_url, employee, check_page):
    sign_in(page, server_url, employee.email, PASSWORD)
    check_page(page)
    response = page.goto(f"{server_url}/hr/employees")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Access denied")).to_be_visible()
    check_page(page)


def test_wrong_password_shows_a_clear_message_in_french(page, server_url, employee, check_page):
    page.goto(f"{server_url}/login")
    page.get_by_role("button", name="FR").click()
    page.get_by_label("Adresse e-mail").fill(employee.email)
    page.get_by_label("Mot de passe").fill("mauvais mot de passe")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("Adresse e-mail ou mot de passe incorrect.")).to_be_visible()
    check_page(page)


def test_layout_fits_a_phone_screen(page, server_url, hr):
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, server_url, hr.email, PASSWORD)
    page.goto(f"{server_url}/hr/employees")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360
