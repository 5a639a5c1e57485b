"""Import in French habits, names without direction controls, invited people signed in (issue 20)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.user import User
from app.people import accounts, importer
from tests.conftest import csrf_token, make_user, post_form
from tests.locale_helpers import per_request_locale

HEADER = "email;full_name;department;job_title;start_date;locale;role\n"


def _upload(client, content: bytes):
    return post_form(
        client,
        "/hr/import",
        {"file": (io.BytesIO(content), "people.csv")},
        page="/hr/import",
        content_type="multipart/form-data",
    )


def test_day_first_dates_are_read_as_french_spreadsheets_write_them(client, auth, hr):
    auth.login(hr.email)
    body = _upload(
        client, (HEADER + "zoe@example.com;Zoé Lefèvre;Ventes;Vendeuse;03/11/2026;fr;\n").encode()
    ).get_data(as_text=True)
    assert "1 person created" in body, body
    zoe = db.session.scalar(select(User).where(User.email == "zoe@example.com"))
    assert zoe.start_date == date(2026, 11, 3)


@pytest.mark.parametrize("text", ["31/02/2026", "2026/13/01", "soon"])
def test_impossible_dates_are_refused(text):
    with pytest.raises(ValueError):
        importer.parse_day(text)


def test_errors_come_before_the_upload_form(client, auth, hr):
    auth.login(hr.email)
    body = _upload(client, (HEADER + "not-an-email;X;;;;fr;\n").encode()).get_data(as_text=True)
    assert 'id="import-errors"' in body
    assert body.index('id="import-errors"') < body.index('type="file"')


def test_template_is_an_excel_csv_in_the_readers_language(app, client, auth, hr):
    per_request_locale(app)
    auth.login(hr.email)
    english = client.get("/hr/import/template.csv")
    assert english.status_code == 200
    lines = english.get_data(as_text=True).splitlines()
    assert lines[0] == "\ufeffemail,full_name,department,job_title,start_date,locale,role"
    assert "2026-12-01" in lines[1]
    assert 'href="/hr/import/template.csv"' in client.get("/hr/import").get_data(as_text=True)
    hr.locale = "fr"
    db.session.commit()
    french = client.get("/hr/import/template.csv").get_data(as_text=True).splitlines()
    assert french[0] == "\ufeffemail;full_name;department;job_title;start_date;locale;role"
    assert "01/12/2026" in french[1]
    # The template imports as it is.
    body = _upload(client, "\n".join(french).encode()).get_data(as_text=True)
    assert "1 personne créée" in body


BIDI = ["\u202e", "\u202a", "\u202b", "\u202c", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069"]
BIDI += ["\u200e", "\u200f"]


@pytest.mark.parametrize("control", BIDI)
def test_names_with_direction_controls_are_refused(app, control):
    with pytest.raises(accounts.AccountError, match="direction"):
        make_user("bidi@example.com", f"Anne{control}eiram")


def test_import_and_invite_forms_refuse_direction_controls(client, auth, hr):
    auth.login(hr.email)
    body = _upload(
        client, (HEADER + "eve@example.com;Eve\u202elivE;Ventes;;;fr;\n").encode()
    ).get_data(as_text=True)
    assert "changes the direction of the text" in body
    response = post_form(
        client,
        "/hr/employees/new",
        {
            "email": "eve@example.com",
            "full_name": "Eve\u2067livE",
            "locale": "fr",
            "role": "employee",
        },
        page="/hr/employees/new",
    )
    assert "changes the direction of the text" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "eve@example.com")) is None


def test_names_from_the_identity_provider_lose_direction_controls():
    assert accounts.strip_bidi_controls("Anne\u202eeiram\u200f") == "Anneeiram"


def _invitation_path(client, auth, hr, email="new.person@example.com") -> str:
    auth.login(hr.email)
    body = post_form(
        client,
        "/hr/employees/new",
        {"email": email, "full_name": "Nouvelle Personne", "locale": "fr", "role": "employee"},
        page="/hr/employees/new",
    ).get_data(as_text=True)
    auth.logout()
    import re

    return re.search(r'value="http://localhost(/invitation/[^"]+)"', body).group(1)


def test_choosing_a_password_from_an_invitation_signs_the_person_in(client, auth, hr):
    path = _invitation_path(client, auth, hr)
    response = client.post(
        path,
        data={
            "password": "une phrase secrète",
            "confirm": "une phrase secrète",
            "csrf_token": csrf_token(client, path),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")
    home = client.get("/")
    assert home.status_code == 200
    assert "Nouvelle Personne" in home.get_data(as_text=True)
    person = db.session.scalar(select(User).where(User.email == "new.person@example.com"))
    assert person.last_login_at is not None


def test_after_a_reset_the_sign_in_form_has_the_email(client, auth, employee):
    token = accounts.make_token(employee, accounts.PASSWORD_RESET)
    path = f"/reset-password/{token}"
    response = client.post(
        path,
        data={
            "password": "une autre phrase",
            "confirm": "une autre phrase",
            "csrf_token": csrf_token(client, path),
        },
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'value="{employee.email}"' in page
