"""The consent vocabulary: the enums equal the stored strings, and every spelling comes from them."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import text
from werkzeug.datastructures import MultiDict

from app.consent import decisions
from app.consent.forms import DecisionForm
from app.consent.hr_forms import OnBehalfForm
from app.extensions import db
from app.integrations.api.registry import SCHEMAS
from app.models.consent import DECISIONS, MEDIA, ConsentDecision, ConsentStatus, Medium
from tests.consent_helpers import at, decide


def test_enum_values_are_the_stored_strings():
    assert [m.value for m in Medium] == ["photo", "video"]
    assert [d.value for d in ConsentDecision] == ["granted", "refused", "revoked"]
    assert [s.value for s in ConsentStatus] == ["granted", "refused", "revoked", "expired", "never"]
    # Every decision is also a status; "expired" and "never" are derived, never stored.
    assert {d.value for d in ConsentDecision} <= {s.value for s in ConsentStatus}
    assert MEDIA == ("photo", "video") and DECISIONS == ("granted", "refused", "revoked")
    assert all(type(v) is str for v in MEDIA + DECISIONS)


def test_decisions_constants_are_the_status_members():
    assert decisions.GRANTED is ConsentStatus.GRANTED and decisions.GRANTED == "granted"
    assert decisions.REFUSED is ConsentStatus.REFUSED
    assert decisions.REVOKED is ConsentStatus.REVOKED
    assert decisions.EXPIRED is ConsentStatus.EXPIRED
    assert decisions.NEVER is ConsentStatus.NEVER
    assert tuple(ConsentStatus) == decisions.STATES
    assert decisions.NEVER_ASKED.status == "never"
    assert set(decisions.STATUS_BADGES) == {s.value for s in ConsentStatus}


def test_recorded_rows_hold_the_plain_strings(app, employee, purposes):
    decide(employee, "company-website", "photo", ConsentDecision.GRANTED, when=at(date(2026, 9, 2)))
    row = db.session.execute(
        text("SELECT medium, decision FROM consent_event ORDER BY id DESC LIMIT 1")
    ).one()
    assert (row.medium, row.decision) == ("photo", "granted")
    action = db.session.execute(
        text("SELECT action FROM audit_event ORDER BY seq DESC LIMIT 1")
    ).scalar_one()
    assert action == "consent.granted" and type(action) is str


def _valid(form, field: str) -> bool:
    return getattr(form, field).validate(form)


def test_decision_form_accepts_exactly_the_enum_values(app):
    def form(medium: str, decision: str) -> DecisionForm:
        with app.test_request_context():
            return DecisionForm(
                formdata=MultiDict({"medium": medium, "decision": decision}), meta={"csrf": False}
            )

    with app.test_request_context():
        for medium in Medium:
            assert _valid(form(medium.value, "granted"), "medium")
        for decision in ConsentDecision:
            assert _valid(form("photo", decision.value), "decision")
        for wrong in ("", "audio", "Photo", "expired", "never", "GRANTED"):
            assert not _valid(form(wrong, wrong), "medium")
            assert not _valid(form(wrong, wrong), "decision")


def test_on_behalf_form_offers_exactly_the_decisions(app):
    with app.test_request_context():
        form = OnBehalfForm(meta={"csrf": False})
        assert [value for value, _label in form.decision.choices] == list(DECISIONS)


def test_choices_and_api_schema_come_from_the_enums(app):
    with app.test_request_context():
        assert [v for v, _label in decisions.status_choices()] == [s.value for s in ConsentStatus]
        assert [v for v, _label in decisions.medium_choices()] == list(MEDIA)
    state = SCHEMAS["ConsentState"]["properties"]
    assert state["medium"]["enum"] == list(MEDIA)
    assert state["status"]["enum"] == [s.value for s in ConsentStatus]
    assert SCHEMAS["ConsentCheckInput"]["properties"]["medium"]["enum"] == list(MEDIA)


def test_register_filter_lists_every_value(client, auth, hr, purposes):
    auth.login(hr.email)
    html = client.get("/hr/consent").get_data(as_text=True)
    options = set(re.findall(r'<option value="([^"]*)"', html))
    assert set(MEDIA) <= options
    assert {s.value for s in ConsentStatus} <= options
    assert "badge-muted" in html  # consent/_state.html found its badge class
