"""HR overview of signatures: statuses, filters, search, pagination, bounded queries."""

from __future__ import annotations

import pytest

from app.core.client import ClientInfo
from app.extensions import db
from app.policy import signing
from tests.conftest import PASSWORD, make_user
from tests.policy_helpers import publish

pytestmark = pytest.mark.usefixtures("no_signing_prerequisites")


def _sign(user, version):
    signing.sign(
        user,
        version_number=version,
        locale="en",
        typed_name=user.full_name,
        password=PASSWORD,
        client=ClientInfo(ip="10.0.0.1"),
    )


@pytest.fixture
def people(app, employee, other_employee, hr):
    publish(1)
    _sign(employee, 1)
    _sign(other_employee, 1)
    publish(2)
    _sign(employee, 2)
    return employee, other_employee, hr


def test_hr_sees_each_status_with_its_date(client, auth, people):
    employee, other, hr = people
    auth.login(hr.email)
    html = client.get("/hr/policy").get_data(as_text=True)
    assert "Current version: 2." in html
    assert "3 people" in html
    assert "Current version</span>" in html and "Older version</span>" in html
    assert "Never signed</span>" in html
    assert "version 2 signed on" in html and "version 1 signed on" in html
    assert html.count("/policy/receipts/") == 2


@pytest.mark.parametrize(
    ("query", "names", "absent"),
    [
        ("state=current", ["Élodie Employée"], ["Olivier Autre", "Hugo Humain"]),
        ("state=outdated", ["Olivier Autre"], ["Élodie Employée", "Hugo Humain"]),
        ("state=never", ["Hugo Humain"], ["Élodie Employée", "Olivier Autre"]),
        ("department=Ventes", ["Olivier Autre"], ["Élodie Employée", "Hugo Humain"]),
        ("q=OLIVIER", ["Olivier Autre"], ["Élodie Employée", "Hugo Humain"]),
        ("q=hr%40example", ["Hugo Humain"], ["Élodie Employée", "Olivier Autre"]),
    ],
)
def test_filters(client, auth, people, query, names, absent):
    auth.login(people[2].email)
    html = client.get(f"/hr/policy?{query}").get_data(as_text=True)
    for name in names:
        assert name in html.split("<tbody>")[1]
    for name in absent:
        assert name not in html.split("<tbody>")[1]


def test_before_any_publication_everyone_is_never_signed(client, auth, hr, employee):
    auth.login(hr.email)
    html = client.get("/hr/policy").get_data(as_text=True)
    assert "No version of the policy has been published yet." in html
    assert "2 people" in html and "Current version</span>" not in html
    assert "0 people" in client.get("/hr/policy?state=current").get_data(as_text=True)


def test_employees_get_403(client, auth, employee):
    auth.login(employee.email)
    assert client.get("/hr/policy").status_code == 403


def test_query_count_does_not_grow_with_people(client, auth, people, count_queries):
    auth.login(people[2].email)
    # The test shares one session with the app: commit so both requests start cold.
    db.session.commit()
    with count_queries() as small:
        client.get("/hr/policy")
    for n in range(12):
        user = make_user(f"bulk{n}@example.com", f"Bulk {n:02d}", locale="fr")
        if n % 2:
            _sign(user, 2)
    db.session.commit()
    with count_queries() as large:
        html = client.get("/hr/policy").get_data(as_text=True)
    assert "15 people" in html
    assert large.count == small.count <= 8, (small.statements, large.statements)


def test_pagination(client, auth, people, app):
    from app.policy import status

    for n in range(3):
        make_user(f"page{n}@example.com", f"Zed {n}", password=None)
    first = status.overview(status.StatusFilter(), per_page=4)
    following = status.StatusFilter(at=first.window.next_at, start=5)
    result = status.overview(following, per_page=4)
    assert result.total == 6 and result.window.pages == 2 and len(result.items) == 2
    assert result.window.first_number == 5 and result.window.next_at is None
    assert {r.user.id for r in first.items}.isdisjoint({r.user.id for r in result.items})
    auth.login(people[2].email)
    html = client.get("/hr/policy?at=junk&start=99").get_data(as_text=True)
    assert "6 people" in html
