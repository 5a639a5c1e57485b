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


def test_hr_chooses_the_columns_and_the_choice_follows_the_pages(client, auth, app, hr, team):
    auth.login(hr.email)
    header = re.compile(r'<th scope="col"[^>]*>([^<]+)</th>')
    everything = client.get("/hr/employees").get_data(as_text=True)
    assert header.findall(everything) == [
        "Name",
        "Department",
        "Programme",
        "Deadlines",
        "Policy",
        "Image consent",
        "Last activity",
    ]
    # Only the policy kept among the optional columns (unticked boxes send nothing).
    chosen = client.get("/hr/employees?columns=1&show=policy&sort=department")
    body = chosen.get_data(as_text=True)
    assert header.findall(body) == ["Name", "Programme", "Policy"]
    assert "Never signed" in body and "purposes granted" not in body
    assert 'value="policy" checked' in body and 'value="department" checked' not in body
    # Every box unticked: only the columns that always show.
    bare = client.get("/hr/employees?columns=1").get_data(as_text=True)
    assert header.findall(bare) == ["Name", "Programme"]
    # Unknown column names are ignored; a person's row still has one cell per header.
    odd = client.get("/hr/employees?columns=1&show=salary&show=deadlines").get_data(as_text=True)
    assert header.findall(odd) == ["Name", "Programme", "Deadlines"]
    # The choice travels with the sort and the page links.
    sort_link = re.search(r'href="(/hr/employees\?[^"]*columns=1[^"]*)"', body)
    assert sort_link is None or "show=policy" in sort_link.group(1)


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


NEXT_RE = re.compile(r'<a href="([^"]+)" rel="next">')
PREVIOUS_RE = re.compile(r'<a href="([^"]+)" rel="prev">')


def link(pattern: re.Pattern, response) -> str | None:
    found = pattern.search(response.get_data(as_text=True))
    return found.group(1).replace("&amp;", "&") if found else None


def walk(client, url: str) -> list[list[str]]:
    """Every page's names, following the Next links from `url`."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pages.append(names(response))
        url = link(NEXT_RE, response)
    return pages


def test_pagination_keeps_the_filters(client, auth, app):
    organisation(60)
    login_hr(auth)
    first = client.get("/hr/employees?status=active")
    body = first.get_data(as_text=True)
    total = int(re.search(r"Rows 1–50 of (\d+)", body).group(1))
    assert total > 50
    following = link(NEXT_RE, first)
    assert following.startswith("/hr/employees?") and "status=active" in following
    second = client.get(following)
    assert f"Rows 51–{total} of {total}" in second.get_data(as_text=True)
    assert set(names(second)).isdisjoint(names(first))
    assert len(names(first)) + len(names(second)) == total
    # Back from the second page: the same first page, numbered from 1.
    back = client.get(link(PREVIOUS_RE, second))
    assert names(back) == names(first)
    assert f"Rows 1–50 of {total}" in back.get_data(as_text=True)
    # The last page is read backwards from the end: the last 50 rows, in order.
    last = client.get(f"/hr/employees?status=active&at=%3C&start={total - 49}")
    assert names(last)[-len(names(second)) :] == names(second)
    assert f"Rows {total - 49}–{total} of {total}" in last.get_data(as_text=True)
    # A bookmark typed by hand or kept from another sort shows the first page, not an error.
    for junk in ("garbage", ">i:notanumber", ">s:a~s:b~s:c~s:d", "<x:1"):
        response = client.get("/hr/employees?status=active&at=" + junk)
        assert response.status_code == 200
    nobody = client.get("/hr/employees?q=nobody-at-all&at=%3Es:zz~i:3").get_data(as_text=True)
    assert "No employee matches these filters." in nobody


@pytest.mark.parametrize(
    "sort", ["", "sort=department", "sort=progress", "sort=activity", "sort=name"]
)
@pytest.mark.parametrize("desc", ["", "&desc=1"])
def test_walking_the_pages_lists_everyone_once_in_order(client, auth, app, sort, desc):
    """Keyset pages, followed to the end, give exactly the one-shot order, for every sort."""
    organisation(23)
    login_hr(auth)
    flt = employee_list.parse(
        dict(pair.split("=") for pair in f"{sort}{desc}".strip("&").split("&") if pair)
    )
    expected = [user.full_name for user in db.session.scalars(employee_list.filtered(flt, today()))]
    original, employee_list.PER_PAGE = employee_list.PER_PAGE, 5
    try:
        pages = walk(client, f"/hr/employees?{sort}{desc}")
    finally:
        employee_list.PER_PAGE = original
    assert [name for page in pages for name in page] == expected
    assert all(len(page) == 5 for page in pages[:-1])


def test_a_deep_page_seeks_instead_of_skipping(app, hr):
    """No OFFSET: the database finds the page from the previous row's sort key."""
    organisation(12)
    statements = []
    from sqlalchemy import event

    def record(conn, cursor, statement, parameters, *args):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        first = employee_list.list_page(employee_list.ListFilter(), today(), per_page=5)
        statements.clear()
        flt = employee_list.ListFilter(at=first.window.next_at, start=6)
        second = employee_list.list_page(flt, today(), per_page=5)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert second.window.first_number == 6
    # SQLite always writes "LIMIT ? OFFSET ?"; what matters is that nothing is skipped.
    skipping = [
        sql
        for sql, params in statements
        if "OFFSET" in sql.upper()
        and list(params.values() if isinstance(params, dict) else params)[-1]
    ]
    assert not skipping
    assert {p.user.id for p in first.items}.isdisjoint({p.user.id for p in second.items})


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
