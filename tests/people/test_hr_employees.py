"""The HR employee list: status columns, search, filters, sorting, pagination, bounded queries."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.hr_reports import employee_list
from tests.consent_helpers import decide
from tests.hr_helpers import login_hr, organisation, person, today
from tests.policy_helpers import publish

NAMES_RE = re.compile(r'<td class="person-cell"><a href="/hr/employees/\d+">([^<]+)</a>')


def names(response) -> list[str]:
    return NAMES_RE.findall(response.get_data(as_text=True))


@pytest.fixture
def team(app, hr):
    """Four people: two late in Marketing and Ventes, one on time, one finished nothing yet."""
    publish(1)
    from app.consent import texts

    hr.start_date = today()  # HR joined today: nothing of theirs is late

    texts.sync_from_files(actor=None)
    return {
        "late_marketing": person(
            "anna@example.com", "Anna Late", department="Marketing", started_days_ago=40
        ),
        "late_sales": person(
            "bruno@example.com", "Bruno Late", department="Ventes", started_days_ago=40
        ),
        "new_marketing": person(
            "carla@example.com", "Carla New", department="Marketing", started_days_ago=2
        ),
        "soon_marketing": person(
            "dan@example.com", "Dan Soon", department="Marketing", started_days_ago=10
        ),
    }


def test_list_shows_status_columns(client, auth, hr, team):
    decide(team["new_marketing"], "company-website", "photo", "granted")
    auth.login(hr.email)
    body = client.get("/hr/employees").get_data(as_text=True)
    assert "Anna Late" in body and "Overdue" in body
    assert "Never signed" in body
    assert "<progress" in body
    assert "1/4 purposes granted" in body


def test_overdue_filter_in_one_department(client, auth, hr, team):
    auth.login(hr.email)
    response = client.get("/hr/employees?due=overdue&department=Marketing")
    assert names(response) == ["Anna Late"]
    assert "Dan Soon" in names(client.get("/hr/employees?due=due_soon"))
    assert "Anna Late" not in names(client.get("/hr/employees?due=due_soon"))
    both = names(client.get("/hr/employees?due=overdue"))
    assert both == ["Anna Late", "Bruno Late"]


def test_search_account_policy_and_consent_filters(
    client, auth, hr, team, no_signing_prerequisites
):
    decide(team["late_sales"], "company-website", "photo", "granted")
    decide(team["late_marketing"], "company-website", "photo", "refused")
    auth.login(hr.email)
    assert names(client.get("/hr/employees?q=CARLA")) == ["Carla New"]
    assert names(client.get("/hr/employees?q=bruno@example")) == ["Bruno Late"]
    from tests.consent_helpers import purpose

    website = purpose("company-website").id
    assert names(client.get(f"/hr/employees?purpose={website}&consent=granted")) == ["Bruno Late"]
    assert names(client.get(f"/hr/employees?purpose={website}&consent=refused")) == ["Anna Late"]
    never = names(client.get(f"/hr/employees?purpose={website}&consent=never"))
    assert "Anna Late" not in never and "Carla New" in never
    assert "Hugo Humain" in names(client.get("/hr/employees?policy=never"))
    assert names(client.get("/hr/employees?policy=current")) == []
    assert names(client.get("/hr/employees?status=pending")) == []
    # Unknown values are ignored rather than failing.
    assert client.get("/hr/employees?due=whenever&sort=salary&page=x").status_code == 200


def test_sorting_by_department_progress_and_activity(client, auth, hr, team):
    auth.login(hr.email)
    by_dept = names(client.get("/hr/employees?sort=department"))
    assert by_dept.index("Anna Late") < by_dept.index("Hugo Humain") < by_dept.index("Bruno Late")
    descending = names(client.get("/hr/employees?sort=name&desc=1"))
    assert descending[0] == "Hugo Humain"
    # HR signed in just now: the most recent activity comes first.
    assert names(client.get("/hr/employees?sort=activity&desc=1"))[0] == "Hugo Humain"
    assert client.get("/hr/employees?sort=progress&desc=1").status_code == 200


def test_progress_sort_puts_the_most_advanced_first(client, auth, app):
    organisation(30)
    login_hr(auth)
    rows = employee_list.list_page(employee_list.ListFilter(sort="progress", desc=True), today())
    done = [r.programme.completed for r in rows.items]
    assert done == sorted(done, reverse=True)


def test_pagination_keeps_the_filters(client, auth, app):
    organisation(60)
    login_hr(auth)
    first = client.get("/hr/employees?status=active").get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert (
        'href="/hr/employees?status=active&amp;page=2"' in first
        or "page=2&amp;status=active" in first
    )
    second = client.get("/hr/employees?status=active&page=2")
    assert set(names(second)).isdisjoint(names(client.get("/hr/employees?status=active")))
    # A page past the end (an old bookmark, fewer people since) shows the last page.
    beyond = client.get("/hr/employees?status=active&page=40")
    assert "Page 2 of 2" in beyond.get_data(as_text=True)
    assert names(beyond) == names(second)
    nobody = client.get("/hr/employees?q=nobody-at-all&page=3").get_data(as_text=True)
    assert "No employee matches these filters." in nobody


@pytest.mark.parametrize(
    "url",
    [
        "/hr/employees",
        "/hr/employees?due=overdue&sort=progress",
        "/hr/employees?sort=activity&policy=never",
    ],
)
def test_list_query_count_does_not_grow_with_people(client, auth, app, count_queries, url):
    organisation(5)
    login_hr(auth)
    client.get(url)  # warm the per-request caches (settings, content)
    db.session.commit()  # both measured requests start from a fresh transaction
    with count_queries() as small:
        assert client.get(url).status_code == 200
    from app.demo import bulk

    bulk.generate(60, seed=11)
    db.session.commit()
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert large.count == small.count, (
        "\n".join(s[:90] for s in large.statements)
        + "\n----\n"
        + "\n".join(s[:90] for s in small.statements)
    )


def test_auditor_sees_the_list_without_action_buttons(client, auth, app, employee):
    from app.models.user import Role
    from tests.conftest import make_user

    auditor = make_user("auditor@example.com", "Audrey Auditrice", role=Role.AUDITOR)
    auth.login(auditor.email)
    body = client.get("/hr/employees").get_data(as_text=True)
    assert "Élodie Employée" in body
    assert ">Deactivate<" not in body and "Invite an employee" not in body
