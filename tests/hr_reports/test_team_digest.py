"""The managers' weekly digest: once per manager and week, in the app and by mail."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.core import settings
from app.core.client import ClientInfo
from app.extensions import db
from app.hr_reports import team, team_digest
from app.operations.jobs import JOBS
from app.people import managers
from tests.conftest import make_user
from tests.learning_helpers import complete_module

MONDAY = date(2026, 11, 30)


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port}


@pytest.fixture
def chart(app):
    """boss → lead → member, everyone long overdue (started 2026-09-01); lead reads French."""
    boss = make_user("boss@example.com", "Bea Boss")
    lead = make_user("lead@example.com", "Leo Lead", locale="fr")
    member = make_user("member@example.com", "Mia Member")
    make_user("outsider@example.com", "Otto Outsider")
    system = ClientInfo.system()
    managers.set_manager(lead, boss, actor=None, client=system)
    managers.set_manager(member, lead, actor=None, client=system)
    return boss, lead, member


def _mail_to(smtp_server, email):
    return [m for m in smtp_server.messages if m["To"] == email]


def test_each_manager_gets_the_digest_once_a_week(app, client, auth, chart, smtp_server):
    boss, lead, _member = chart
    report = team_digest.run(MONDAY)
    assert (report.notified, report.mailed) == (2, 2)
    (to_boss,) = _mail_to(smtp_server, boss.email)
    assert to_boss["Subject"] == "Your team this week"
    body = to_boss.get_content()
    assert "Your team this week (2 people):" in body
    assert "2 people are overdue." in body
    assert "Leo Lead: overdue since" in body and "Mia Member: overdue since" in body
    assert "Otto Outsider" not in body
    assert "http://localhost/team/" in body
    (to_lead,) = _mail_to(smtp_server, lead.email)
    assert to_lead["Subject"] == "Votre équipe cette semaine"
    french = to_lead.get_content()
    assert "Mia Member\u00a0: en retard depuis le" in french and "Leo Lead\u00a0:" not in french
    # Again the same week (another run, another host, Sunday): nothing more.
    for day in (MONDAY, MONDAY + timedelta(days=6)):
        assert team_digest.run(day).notified == 0
    assert len(smtp_server.messages) == 2
    assert team_digest.run(MONDAY + timedelta(days=7)).mailed == 2
    auth.login(boss.email)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Your team this week: 2 people overdue" in page


def test_quiz_scores_only_when_allowed_and_nothing_of_consents(
    app, client, auth, chart, admin, smtp_server, purposes
):
    boss, lead, _member = chart
    auth.login(lead.email)
    complete_module(client, "why-a-policy")
    team_digest.run(MONDAY)
    body = _mail_to(smtp_server, boss.email)[0].get_content()
    assert "Done in the last 7 days: 1 module completed" in body
    assert "quiz score" not in body.lower()
    for word in ("consent", "publish", "image", "photo"):
        assert word not in body.lower()
    settings.update({team.SEE_QUIZ_SCORES.key: True}, actor=admin, client=ClientInfo.system())
    team_digest.run(MONDAY + timedelta(days=7))
    later = _mail_to(smtp_server, boss.email)[1].get_content()
    assert "Leo Lead: overdue since" in later and "quiz score 100%" in later


def test_without_mail_the_digest_is_in_the_app_only(app, chart, smtp_server):
    app.config["MAIL_SERVER"] = ""
    report = team_digest.run(MONDAY)
    assert (report.notified, report.mailed) == (2, 0)
    assert smtp_server.messages == []


def test_the_scheduled_notices_job_sends_it(app, chart, smtp_server):
    detail = JOBS["notices"].run()
    assert "team digests: 2 managers notified, 2 mailed" in detail
    assert "team digests: 0 managers notified" in JOBS["notices"].run()
    db.session.rollback()
