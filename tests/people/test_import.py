"""CSV import: all-or-nothing, every error with its line number."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.core.client import ClientInfo
from app.extensions import db
from app.models.user import User
from app.people import importer
from tests.conftest import post_form

HEADER = "email,full_name,department,job_title,start_date,locale,role\n"


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def _upload(client, content: bytes, filename="people.csv"):
    return post_form(
        client,
        "/hr/import",
        {"file": (io.BytesIO(content), filename)},
        page="/hr/import",
        content_type="multipart/form-data",
    )


def test_good_file_creates_and_updates(client, auth, hr, employee):
    auth.login(hr.email)
    csv_text = HEADER + (
        "zoe@example.com,Zoé Lefèvre,Ventes,Commerciale,2026-10-01,fr,employee\n"
        f"{employee.email.upper()},Élodie Renamed,Support,Agent,,en,employee\n"
    )
    response = _upload(client, csv_text.encode())
    body = response.get_data(as_text=True)
    assert "1 person created, 1 person updated" in body
    zoe = db.session.scalar(select(User).where(User.email == "zoe@example.com"))
    assert zoe.full_name == "Zoé Lefèvre" and zoe.locale == "fr"
    db.session.refresh(employee)
    assert employee.full_name == "Élodie Renamed"
    assert employee.department == "Support"


def test_semicolon_files_and_bom_are_accepted(client, auth, hr):
    auth.login(hr.email)
    text = "\ufeff" + HEADER.replace(",", ";") + "a@example.com;Ann;X;Y;2026-01-02;en;employee\n"
    assert "1 person created" in _upload(client, text.encode()).get_data(as_text=True)


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "The file is empty."),
        (HEADER.encode(), "has a header but no employees"),
        (b"email,name\nx@example.com,X\n", "Line 1: the columns must be exactly"),
        (
            "email,full_name,department,job_title,start_date,locale,role\n"
            "é@example.com,Zoé,Ventes,,,fr,employee\n".encode("latin-1"),
            "not UTF-8",
        ),
        (
            (HEADER + "not-an-email,X,D,T,2026-01-01,fr,employee\n").encode(),
            "Line 2: invalid email",
        ),
        (
            (
                HEADER + "a@example.com,A,D,T,2026-01-01,fr,employee\n"
                "A@example.com,A2,D,T,2026-01-01,fr,employee\n"
            ).encode(),
            "Line 3: duplicate of line 2",
        ),
        ((HEADER + "a@example.com,A,D,T,2026-01-01,fr,boss\n").encode(), "unknown role"),
        ((HEADER + "a@example.com,A,D,T,31/02/2026,fr,employee\n").encode(), "bad date"),
        ((HEADER + "a@example.com,A,D,T,2026-01-01,de,employee\n").encode(), "unknown locale"),
        ((HEADER + "a@example.com,A,D\n").encode(), "Line 2: wrong number of fields"),
        ((HEADER + "a@example.com,,D,T,2026-01-01,fr,employee\n").encode(), "full_name is empty"),
    ],
)
def test_bad_file_imports_nothing_and_explains(client, auth, hr, content, message):
    auth.login(hr.email)
    before = _count()
    body = _upload(client, content).get_data(as_text=True)
    assert message in body
    assert "Nothing was imported" in body
    assert _count() == before


def test_one_bad_row_among_good_ones_imports_nothing_and_lists_every_error(client, auth, hr):
    auth.login(hr.email)
    rows = [f"p{i}@example.com,Person {i},D,T,2026-01-01,fr,employee" for i in range(20)]
    rows[4] = "broken,Person,D,T,2026-01-01,fr,employee"
    rows[9] = "p9@example.com,Person,D,T,2026-13-01,fr,employee"
    before = _count()
    body = _upload(client, (HEADER + "\n".join(rows) + "\n").encode()).get_data(as_text=True)
    assert "Line 6: invalid email" in body
    assert "Line 11: bad date" in body
    assert _count() == before


def test_hr_cannot_grant_hr_role_by_import(client, auth, hr):
    auth.login(hr.email)
    body = _upload(client, (HEADER + "a@example.com,A,D,T,,fr,admin\n").encode()).get_data(
        as_text=True
    )
    assert "only an administrator" in body


def test_admin_can_import_roles(client, auth, admin):
    auth.login(admin.email)
    body = _upload(client, (HEADER + "a@example.com,A,D,T,,fr,hr\n").encode()).get_data(
        as_text=True
    )
    assert "1 person created" in body
    assert db.session.scalar(select(User.role).where(User.email == "a@example.com")) == "hr"


def test_formula_looking_cells_are_stored_as_text_and_escaped_on_export(client, auth, hr):
    auth.login(hr.email)
    _upload(client, (HEADER + "a@example.com,=HYPERLINK(1),+cmd,-x,,fr,employee\n").encode())
    response = post_form(client, "/hr/invitations.csv", page="/hr/import")
    text = response.get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text
    assert "'+cmd" in text


def test_ten_thousand_rows_in_one_import_with_bounded_queries(app, hr, count_queries):
    rows = "".join(
        f"user{i}@example.com,User {i},Dept {i % 12},Job,2026-01-01,fr,employee\n"
        for i in range(10_000)
    )
    with count_queries() as counter:
        result = importer.import_employees(
            (HEADER + rows).encode(), actor=hr, client=ClientInfo.system()
        )
    assert result.ok, result.errors[:3]
    assert result.created == 10_000
    assert counter.count < 40  # a few bulk statements, not one per row
    assert _count() >= 10_000
