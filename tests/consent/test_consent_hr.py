"""HR's consent pages: register, CSV export, paper decisions, publication checks and reviews."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.consent import publication, texts
from app.core import when
from app.core.client import ClientInfo
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.consent import ConsentEvent
from app.models.publication import PublicationCheck, PublicationReview
from app.models.types import utcnow
from app.people import accounts
from tests.conftest import make_user, post_form
from tests.consent_helpers import at, decide, purpose


def _audited(action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


def test_employee_gets_403_on_hr_pages(client, auth, employee, purposes):
    auth.login(employee.email)
    for url in (
        "/hr/consent",
        "/hr/consent/check",
        "/hr/consent/reviews",
        f"/hr/consent/people/{employee.id}",
        "/admin/consent",
    ):
        assert client.get(url).status_code == 403, url


def test_register_shows_states_and_people_who_left(
    client, auth, hr, employee, other_employee, purposes
):
    decide(employee, "company-website", "photo", "granted")
    decide(other_employee, "company-website", "photo", "refused", actor=hr, paper="P-3")
    accounts.set_active(other_employee, False, actor=hr, client=ClientInfo.system())
    auth.login(hr.email)
    html = client.get("/hr/consent").get_data(as_text=True)
    assert "granted until" in html and "refused on" in html
    assert "recorded by HR on behalf of the employee" in html
    db.session.refresh(other_employee)
    assert f"left on {when.day(other_employee.deactivated_at)}" in html


def test_register_filters(client, auth, hr, employee, other_employee, purposes):
    today = utcnow().date()
    decide(employee, "company-website", "photo", "granted", until=today + timedelta(days=10))
    decide(other_employee, "social-media", "photo", "granted")
    auth.login(hr.email)
    website = purpose("company-website").id

    def names(**args):
        html = client.get("/hr/consent", query_string=args).get_data(as_text=True)
        return {n for n in ("Élodie", "Olivier", "Hugo") if n in html}

    assert names(purpose=website, state="granted") == {"Élodie"}
    assert names(expiring="1") == {"Élodie"}
    assert names(purpose=website, state="never") == {"Olivier", "Hugo"}
    assert names(department="Ventes") == {"Olivier"}
    assert names(q="olivier") == {"Olivier"}
    assert names(state="revoked") == set()


def test_register_query_count_does_not_grow_with_people(client, auth, hr, purposes, count_queries):
    auth.login(hr.email)

    def measure():
        with count_queries() as counter:
            assert client.get("/hr/consent").status_code == 200
        return counter.count

    for i in range(3):
        user = make_user(f"p{i}@example.com", f"Person {i}", password=None)
        decide(user, "company-website", "photo", "granted", actor=hr, paper=f"F{i}")
    few = measure()
    for i in range(3, 25):
        user = make_user(f"p{i}@example.com", f"Person {i}", password=None)
        decide(user, "social-media", "video", "refused", actor=hr, paper=f"F{i}")
    assert measure() == few


def test_csv_export_is_escaped_streamed_and_audited(client, auth, hr, purposes):
    make_user("evil@example.com", '=HYPERLINK("http://x")', department="@Sales")
    auth.login(hr.email)
    response = post_form(client, "/hr/consent/register.csv", {"q": ""}, page="/hr/consent")
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:4] == ["Name", "Email", "Department", "Account"]
    evil = next(r for r in rows if "evil@example.com" in r)
    assert evil[0].startswith("'=") and evil[2] == "'@Sales"
    assert "never asked" in evil
    assert _audited("consent.exported") == 1
    assert client.post("/hr/consent/register.csv").status_code == 400
    assert _audited("consent.exported") == 1


def test_hr_records_a_paper_decision_marked_on_behalf(client, auth, hr, employee, purposes):
    auth.login(hr.email)
    page = f"/hr/consent/people/{employee.id}"
    value = f"{purpose('social-media').id}:photo"
    data = {
        "purpose_medium": value,
        "decision": "granted",
        "text_locale": "fr",
        "paper_reference": "",
    }
    response = post_form(client, page, data, page=page)
    assert "This field is required" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ConsentEvent)) == 0
    data["paper_reference"] = "Formulaire 2027-04"
    response = post_form(client, page, data, page=page, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "recorded by HR on behalf of the employee" in html and "Formulaire 2027-04" in html
    event = db.session.scalar(select(ConsentEvent))
    assert event.on_behalf and event.recorded_by_id == hr.id and event.user_id == employee.id
    assert event.text_locale == "fr"
    # The employee's own form cannot be used by HR to act for someone else.
    post_form(
        client,
        "/me/image/decide",
        {
            "purpose_id": purpose("social-media").id,
            "medium": "video",
            "decision": "granted",
            "text_id": texts.current_texts("en")[purpose("social-media").id].id,
            "user_id": employee.id,
        },
        page="/me/image",
    )
    forged = db.session.scalars(select(ConsentEvent).where(ConsentEvent.medium == "video")).all()
    assert all(e.user_id == hr.id for e in forged)


def _check(client, slug, medium, people, reference="Team photo, website"):
    data = {
        "purpose_medium": f"{purpose(slug).id}:{medium}",
        "reference": reference,
        "people": [p.id for p in people],
        "check": "Check consent",
    }
    return post_form(
        client, "/hr/consent/check", data, page="/hr/consent/check", follow_redirects=True
    )


def test_publication_check_answers_and_is_recorded(
    client, auth, hr, employee, other_employee, purposes
):
    decide(employee, "company-website", "photo", "granted")
    auth.login(hr.email)
    search = post_form(
        client,
        "/hr/consent/check",
        {
            "purpose_medium": f"{purpose('company-website').id}:photo",
            "q": "élodie",
            "search": "Search",
        },
        page="/hr/consent/check",
    )
    assert f'value="{employee.id}"' in search.get_data(as_text=True)
    html = _check(client, "company-website", "photo", [employee, other_employee]).get_data(
        as_text=True
    )
    assert "Yes until" in html and "No" in html and "never asked" in html
    check = db.session.scalar(select(PublicationCheck))
    assert check.reference == "Team photo, website" and check.checked_by_id == hr.id
    assert _audited("consent.publication_check") == 1
    assert "Nothing to review" in client.get("/hr/consent/reviews").get_data(as_text=True)


def test_check_without_reference_or_people_records_nothing(client, auth, hr, employee, purposes):
    auth.login(hr.email)
    html = _check(client, "company-website", "photo", [employee], reference=" ").get_data(
        as_text=True
    )
    assert "Describe the publication" in html
    html = _check(client, "company-website", "photo", []).get_data(as_text=True)
    assert "Choose at least one person" in html
    assert db.session.scalar(select(func.count()).select_from(PublicationCheck)) == 0


class TestWithMail:
    @pytest.fixture
    def app_config(self, smtp_server):
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port}

    def test_revocation_flags_the_check_and_mails_hr_once(
        self, client, auth, hr, employee, purposes, smtp_server
    ):
        decide(employee, "social-media", "photo", "granted")
        auth.login(hr.email)
        _check(client, "social-media", "photo", [employee], reference="LinkedIn post #1")
        _check(client, "social-media", "photo", [employee], reference="Instagram story")
        _check(client, "company-website", "photo", [employee], reference="Careers page")
        decide(employee, "social-media", "photo", "revoked")
        assert len(smtp_server.messages) == 1
        message = smtp_server.messages[0]
        assert message["To"] == hr.email
        body = message.get_content()
        assert "LinkedIn post #1" in body and "Instagram story" in body
        assert "Careers page" not in body and "/hr/consent/reviews" in body
        html = client.get("/hr/consent/reviews").get_data(as_text=True)
        assert "LinkedIn post #1" in html and "Instagram story" in html
        assert "Careers page" not in html
        home = client.get("/").get_data(as_text=True)
        assert 'badge badge-bad">2<' in home
        # Reviewing records who and when, and the item leaves the list.
        item = publication.needs_review(utcnow().date())[0]
        post_form(client, f"/hr/consent/reviews/{item.person.id}/done", page="/hr/consent/reviews")
        review = db.session.scalar(select(PublicationReview))
        assert review.reviewed_by_id == hr.id and review.reviewed_at is not None
        assert len(publication.needs_review(utcnow().date())) == 1
        assert _audited("consent.review_done") == 1
        # Granting again clears the flag; a new revocation raises it again.
        decide(employee, "social-media", "photo", "granted")
        assert publication.needs_review(utcnow().date()) == []
        decide(employee, "social-media", "photo", "revoked")
        assert len(publication.needs_review(utcnow().date())) == 2
        assert len(smtp_server.messages) == 2

    def test_no_mail_when_no_check_involved(self, client, hr, employee, purposes, smtp_server):
        decide(employee, "social-media", "photo", "granted")
        decide(employee, "social-media", "photo", "revoked")
        assert smtp_server.messages == []


def test_expiry_flags_the_check_without_any_job(app, hr, employee, purposes):
    start = date(2027, 1, 10)
    decide(employee, "company-website", "video", "granted", when=at(start), until=date(2027, 3, 31))
    publication.run_check(
        purpose("company-website"),
        "video",
        [employee],
        "Promo video",
        actor=hr,
        client=ClientInfo.system(),
        now=at(date(2027, 2, 1)),
    )
    assert publication.needs_review(date(2027, 3, 31)) == []
    items = publication.needs_review(date(2027, 4, 1))
    assert len(items) == 1 and items[0].state.status == "expired"


def test_admin_purposes_page(client, auth, admin, purposes):
    auth.login(admin.email)
    html = client.get("/admin/consent").get_data(as_text=True)
    assert "Import/refresh purposes from files" in html and "social-media accounts" in html
    social = purpose("social-media")
    post_form(
        client, f"/admin/consent/{social.id}/duration", {"months": "12"}, page="/admin/consent"
    )
    post_form(client, f"/admin/consent/{social.id}/active", {"active": "0"}, page="/admin/consent")
    db.session.expire_all()
    assert purpose("social-media").default_duration_months == 12
    assert purpose("social-media").active is False
    assert _audited("consent.purpose_duration_changed") == 1
    assert _audited("consent.purpose_deactivated") == 1
    response = post_form(
        client, "/admin/consent/sync", page="/admin/consent", follow_redirects=True
    )
    assert "Import done: 0 new purposes, 0 new text versions." in response.get_data(as_text=True)
    auth.logout()
    employee = make_user("e2@example.com", "Eve Two")
    auth.login(employee.email)
    assert "Company website" in client.get("/me/image").get_data(as_text=True)
    assert f'id="purpose-{social.id}"' not in client.get("/me/image").get_data(as_text=True)


def test_hr_cannot_open_the_admin_page(client, auth, hr, purposes):
    auth.login(hr.email)
    assert client.get("/admin/consent").status_code == 403


def test_demo_loads_the_purposes(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0
    assert len(texts.purposes()) == 4
