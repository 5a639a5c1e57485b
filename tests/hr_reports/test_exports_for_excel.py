"""Exports "for Excel" open in a French Excel; the consent export reads as words (issue 20)."""

from __future__ import annotations

import csv
import io

import pytest

from app.extensions import db
from tests.consent_helpers import decide
from tests.hr_helpers import person
from tests.locale_helpers import per_request_locale

URLS = ["/hr/employees.csv", "/hr/exports/signatures.csv", "/hr/exports/consent-events.csv"]


def _table(body: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=delimiter))


@pytest.fixture
def french_hr(app, hr):
    per_request_locale(app)
    hr.locale = "fr"
    db.session.commit()
    return hr


@pytest.mark.parametrize("url", URLS)
def test_french_excel_export_uses_semicolons_and_a_bom(client, auth, french_hr, purposes, url):
    person("eve@example.com", "=Eve, Martin", department="+Ventes", started_days_ago=3)
    auth.login(french_hr.email)
    excel = client.get(url + "?bom=1").get_data(as_text=True)
    assert excel.startswith("\ufeff")
    header = excel.lstrip("\ufeff").splitlines()[0]
    assert ";" in header and "," not in header, header
    plain = client.get(url).get_data(as_text=True)
    assert not plain.startswith("\ufeff")
    assert "," in plain.splitlines()[0]  # the plain export stays RFC 4180


def test_french_excel_employee_export_keeps_formula_safety(client, auth, french_hr):
    person("eve@example.com", "=Eve, Martin", department="+Ventes", started_days_ago=3)
    auth.login(french_hr.email)
    table = _table(client.get("/hr/employees.csv?bom=1&q=eve").get_data(as_text=True), ";")
    assert table[1][0] == "'=Eve, Martin"
    assert table[1][2] == "'+Ventes"


def test_english_excel_export_keeps_commas(client, auth, hr):
    auth.login(hr.email)
    header = client.get("/hr/employees.csv?bom=1").get_data(as_text=True).splitlines()[0]
    assert header.startswith("\ufeffName,Email")


def test_consent_export_names_purposes_and_rounds_times_to_the_second(
    client, auth, hr, employee, purposes
):
    decide(employee, "company-website", "photo", "granted")
    auth.login(hr.email)
    table = _table(client.get("/hr/exports/consent-events.csv").get_data(as_text=True), ",")
    header, row = table[0], table[1]
    purpose = row[header.index("Purpose")]
    assert purpose and purpose != "company-website"
    recorded = row[header.index("Recorded at (UTC)")]
    assert len(recorded) == len("2026-11-29 23:14:05") and "." not in recorded, recorded
