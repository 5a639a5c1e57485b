"""Stored XSS attempts come back escaped; SQL-looking input is just text."""

from __future__ import annotations

import io

from app.models.user import Role
from tests.conftest import make_user, post_form

SCRIPT = "<script>alert('x')</script>"
IMG = '<img src=x onerror="alert(1)">'
HEADER = "email,full_name,department,job_title,start_date,locale,role\n"


def _pages(client) -> list[str]:
    urls = [
        "/",
        "/hr/employees",
        "/hr/employees?q=%3Cscript",
        "/hr/policy",
        "/hr/consent",
        "/hr/consent/check?q=evil",
    ]
    return [client.get(url).get_data(as_text=True) for url in urls]


def test_names_departments_and_titles_are_escaped_everywhere(client, auth, hr):
    auth.login(hr.email)
    csv_text = (
        HEADER + f'evil@example.com,"{SCRIPT}","{IMG.replace(chr(34), chr(39))}",'
        f'"{SCRIPT}",,en,employee\n'
    )
    body = post_form(
        client,
        "/hr/import",
        {"file": (io.BytesIO(csv_text.encode()), "x.csv")},
        page="/hr/import",
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "1 person created" in body
    for html in _pages(client):
        assert SCRIPT not in html
        assert "<img src=x" not in html
    assert "&lt;script&gt;" in client.get("/hr/employees").get_data(as_text=True)


def test_a_signed_in_employee_with_a_hostile_name_sees_it_escaped(client, auth):
    person = make_user("hostile@example.com", SCRIPT, department=IMG)
    auth.login(person.email)
    for url in ["/", "/policy", "/me/image", "/learn/why-a-policy/1"]:
        html = client.get(url).get_data(as_text=True)
        assert SCRIPT not in html and "<img src=x" not in html


def test_sql_looking_search_is_plain_text(client, auth, hr, employee):
    auth.login(hr.email)
    for q in ["' OR 1=1 --", "%' OR '1'='1", '"; DROP TABLE user; --', "%", "_"]:
        response = client.get("/hr/employees", query_string={"q": q})
        assert response.status_code == 200
    everyone = client.get("/hr/employees").get_data(as_text=True)
    assert employee.full_name in everyone  # nothing was dropped
    response = client.get("/hr/employees", query_string={"q": "' OR 1=1 --"})
    assert employee.full_name not in response.get_data(as_text=True)


def test_roles_given_by_import_cannot_be_smuggled(client, auth, hr):
    auth.login(hr.email)
    csv_text = HEADER + "sneaky@example.com,Sneaky,D,T,,en,admin\n"
    post_form(
        client,
        "/hr/import",
        {"file": (io.BytesIO(csv_text.encode()), "x.csv")},
        page="/hr/import",
        content_type="multipart/form-data",
    )
    from sqlalchemy import select

    from app.extensions import db
    from app.models.user import User

    assert db.session.scalar(select(User).where(User.email == "sneaky@example.com")) is None
    assert Role.ADMIN.value == "admin"
