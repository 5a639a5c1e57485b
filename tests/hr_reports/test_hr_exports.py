"""CSV exports: filtered employee list, signatures, consent events — escaped, streamed, audited."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.user import Role
from app.people import directory
from tests.conftest import make_user
from tests.hr_helpers import login_hr, organisation, person, rows

EXPORTS = [
    ("/hr/employees.csv", "export.employees"),
    ("/hr/exports/signatures.csv", "export.signatures"),
    ("/hr/exports/consent-events.csv", "export.consent_events"),
]


def _audits(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.mark.parametrize("url,action", EXPORTS)
def test_exports_are_streamed_and_audited(client, auth, app, url, action):
    organisation(25)
    login_hr(auth)
    response = client.get(url)
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert not body.startswith("\ufeff")
    assert len(rows(body)) > 1
    assert len(_audits(action)) == 1
    with_bom = client.get(url + "?bom=1").get_data(as_text=True)
    assert with_bom.startswith("\ufeff")
    # Same rows (the export itself is the HR manager's latest activity, hence [:-1]).
    assert [r[:-1] for r in rows(with_bom)] == [r[:-1] for r in rows(body)]


def test_employee_export_follows_the_filters(client, auth, hr, app):
    person("anna@example.com", "Anna Late", department="Marketing", started_days_ago=40)
    person("bob@example.com", "Bob Late", department="Ventes", started_days_ago=40)
    auth.login(hr.email)
    table = rows(
        client.get("/hr/employees.csv?due=overdue&department=Marketing").get_data(as_text=True)
    )
    assert [r[0] for r in table[1:]] == ["Anna Late"]
    assert table[0][:3] == ["Name", "Email", "Department"]
    assert table[1][7] == "yes"
    event = _audits("export.employees")[0]
    assert json.loads(event.details)["filter"] == {"due": "overdue", "department": "Marketing"}


def test_cells_that_look_like_formulas_are_neutralised(client, auth, hr, app):
    person("eve@example.com", '=HYPERLINK("http://evil")', department="+Sales", started_days_ago=1)
    auth.login(hr.email)
    table = rows(client.get("/hr/employees.csv?q=eve").get_data(as_text=True))
    assert table[1][0] == '\'=HYPERLINK("http://evil")'
    assert table[1][2] == "'+Sales"
    for raw in ["-1", "@SUM(A1)", "\tx", "\rx"]:
        assert directory.csv_cell(raw) == "'" + raw
    assert directory.csv_cell("plain") == "plain"


def test_auditor_may_export_communications_may_not(client, auth, employee):
    make_user("auditor@example.com", "Audrey Auditrice", role=Role.AUDITOR)
    auth.login("auditor@example.com")
    for url, _action in EXPORTS:
        assert client.get(url).status_code == 200
    auth.logout()
    make_user("com@example.com", "Coline Com", role=Role.COMMUNICATIONS)
    auth.login("com@example.com")
    for url, _action in EXPORTS:
        assert client.get(url).status_code == 403
    assert len(_audits("export.employees")) == 1


def test_export_never_holds_everyone_in_memory(app, monkeypatch):
    """The employee export reads people in batches: with a batch of 10, 35 people take 4."""
    from app.hr_reports import employee_list, people_status
    from tests.hr_helpers import today

    organisation(35)
    sizes = []
    original = people_status.statuses

    def spy(users, day, purposes=None):
        users = list(users)
        sizes.append(len(users))
        return original(users, day, purposes)

    monkeypatch.setattr(people_status, "statuses", spy)
    monkeypatch.setattr(people_status, "BATCH", 10)
    batches = employee_list.batches
    monkeypatch.setattr(employee_list, "batches", lambda query, size=10: batches(query, 10))
    exported = list(employee_list.export_statuses(employee_list.ListFilter(), today()))
    assert len(exported) == 35 + 7
    assert max(sizes) <= 10
