"""Consent decisions: derived state, expiry by date, double submission, on-behalf, evidence."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, text

from app.consent import decisions, texts
from app.core.client import ClientInfo
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.consent import ConsentEvent
from tests.conftest import BACKEND
from tests.consent_helpers import at, decide, purpose, state

D1, D2, D3 = date(2027, 1, 10), date(2027, 2, 1), date(2027, 3, 1)


def _ev(id, decision, until=None, day=D1, medium="photo"):
    return SimpleNamespace(
        id=id,
        user_id=1,
        purpose_id=1,
        medium=medium,
        decision=decision,
        valid_until=until,
        recorded_at=at(day),
    )


def test_current_state_is_the_latest_event_and_expiry_is_computed(app):
    events = [_ev(1, "granted", date(2027, 6, 30)), _ev(2, "revoked", day=D2)]
    assert decisions.current_state(events, D3)[(1, 1, "photo")].status == "revoked"
    regranted = [*events, _ev(3, "granted", date(2027, 6, 30), day=D3)]
    now = decisions.current_state(reversed(regranted), D3)[(1, 1, "photo")]
    assert now.status == "granted" and now.valid_until == date(2027, 6, 30)
    # The last valid day is still granted; the next day it is expired, with nothing written.
    assert decisions.current_state(regranted, date(2027, 6, 30))[(1, 1, "photo")].allowed
    later = decisions.current_state(regranted, date(2027, 7, 1))[(1, 1, "photo")]
    assert later.status == "expired" and later.since == date(2027, 7, 1)
    assert decisions.describe(later) == "expired on July 1, 2027"
    assert decisions.current_state([], D1) == {}
    assert decisions.describe(decisions.NEVER_ASKED) == "never asked"


def test_media_are_independent():
    states = decisions.current_state(
        [_ev(1, "granted", date(2028, 1, 1)), _ev(2, "refused", medium="video")], D1
    )
    assert states[(1, 1, "photo")].allowed and states[(1, 1, "video")].status == "refused"


def test_grant_revoke_grant_history_and_state(purposes, employee):
    first = decide(employee, "company-website", "photo", "granted", when=at(D1))
    assert first.valid_until == date(2030, 1, 10)  # 36 months by default
    assert state(employee, "company-website", "photo", D1).allowed
    decide(employee, "company-website", "photo", "revoked", when=at(D2))
    revoked = state(employee, "company-website", "photo", D2)
    assert (
        revoked.status == "revoked" and decisions.describe(revoked) == "revoked on February 1, 2027"
    )
    decide(employee, "company-website", "photo", "granted", when=at(D3), until=date(2027, 12, 31))
    again = state(employee, "company-website", "photo", D3)
    assert decisions.describe(again) == "granted until December 31, 2027"
    history = decisions.history(employee.id)
    assert [e.decision for e in history] == ["granted", "revoked", "granted"]
    assert state(employee, "company-website", "video", D3).status == "never"
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.like("consent.%"))
        .order_by(AuditEvent.seq)
    ).all()
    assert actions == [
        "consent.texts_imported",
        "consent.granted",
        "consent.revoked",
        "consent.granted",
    ]


def test_expiry_by_injected_date(purposes, employee):
    decide(employee, "social-media", "video", "granted", when=at(D1), until=date(2027, 1, 31))
    assert state(employee, "social-media", "video", date(2027, 1, 31)).allowed
    expired = state(employee, "social-media", "video", date(2027, 2, 1))
    assert expired.status == "expired"
    assert db.session.scalar(select(func.count()).select_from(ConsentEvent)) == 1


def test_end_date_must_not_exceed_the_admin_duration(purposes, employee):
    with pytest.raises(decisions.ConsentError):
        decide(employee, "social-media", "photo", "granted", when=at(D1), until=date(2031, 1, 1))
    with pytest.raises(decisions.ConsentError):
        decide(employee, "social-media", "photo", "granted", when=at(D1), until=date(2026, 1, 1))
    assert db.session.scalar(select(func.count()).select_from(ConsentEvent)) == 0


def test_same_decision_twice_records_nothing_new(purposes, employee):
    assert decide(employee, "social-media", "photo", "granted", when=at(D1)) is not None
    assert decide(employee, "social-media", "photo", "granted", when=at(D1, 11)) is None
    assert decide(employee, "social-media", "photo", "revoked", when=at(D2)) is not None
    assert decide(employee, "social-media", "photo", "revoked", when=at(D2, 11)) is None
    assert decide(employee, "social-media", "photo", "refused", when=at(D2, 12)) is not None
    assert decide(employee, "social-media", "photo", "refused", when=at(D2, 13)) is None
    assert db.session.scalar(select(func.count()).select_from(ConsentEvent)) == 3


def test_hr_records_only_on_behalf_with_a_paper_reference(purposes, employee, hr):
    with pytest.raises(decisions.ConsentError, match="paper form reference"):
        decide(employee, "advertising-print", "photo", "granted", actor=hr, when=at(D1))
    event = decide(
        employee, "advertising-print", "photo", "granted", actor=hr, when=at(D1), paper="PF-12"
    )
    assert event.on_behalf is True and event.recorded_by_id == hr.id
    assert event.paper_reference == "PF-12"
    own = decide(employee, "advertising-print", "video", "refused", when=at(D1))
    assert own.on_behalf is False and own.paper_reference is None


def test_a_person_who_left_cannot_be_granted_but_can_withdraw(purposes, employee, hr):
    from app.people import accounts

    decide(employee, "company-website", "photo", "granted", when=at(D1))
    accounts.set_active(employee, False, actor=hr, client=ClientInfo.system())
    with pytest.raises(decisions.ConsentError, match="left"):
        decide(employee, "company-website", "video", "granted", actor=hr, when=at(D2), paper="P1")
    assert decide(
        employee, "company-website", "photo", "revoked", actor=hr, when=at(D2), paper="P2"
    )


def test_audit_verify_passes_and_detects_a_tampered_consent_event(app, purposes, employee):
    decide(employee, "company-website", "photo", "granted", when=at(D1))
    decide(employee, "company-website", "video", "refused", when=at(D1))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "2 consent events" in result.output
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = replica"))
    db.session.execute(text("UPDATE consent_event SET decision = 'granted' WHERE medium = 'video'"))
    db.session.commit()
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = DEFAULT"))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "consent event" in result.output


@pytest.mark.skipif(BACKEND != "postgresql", reason="the trigger exists on PostgreSQL only")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE consent_event SET decision = 'granted'",
        "DELETE FROM consent_event",
        "DELETE FROM publication_check_person",
    ],
)
def test_postgresql_refuses_changes_to_consent_evidence(purposes, employee, hr, sql):
    from app.consent import publication

    decide(employee, "company-website", "photo", "refused", when=at(D1))
    publication.run_check(
        purpose("company-website"),
        "photo",
        [employee],
        "Poster",
        actor=hr,
        client=ClientInfo.system(),
    )
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text(sql))
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ConsentEvent)) == 1


def test_sync_is_idempotent_and_refuses_a_changed_text_without_new_version(app, purposes, tmp_path):
    report = texts.sync_from_files(actor=None)
    assert report.texts_added == [] and report.conflicts == []
    assert len(texts.purposes()) == 4
    source = texts.content_dir() / "social-media.en.md"
    shipped = texts.parse_file(source)[0]["version"]
    (tmp_path / "consent").mkdir()
    (tmp_path / "consent" / "social-media.en.md").write_text(
        source.read_text().replace("Any questions?", "Questions?")
    )
    app.config["CONTENT_DIR"] = str(tmp_path)
    report = texts.sync_from_files(actor=None)
    assert report.conflicts == [f"social-media.en.md (version {shipped})"]
    (tmp_path / "consent" / "social-media.en.md").write_text(
        source.read_text()
        .replace("Any questions?", "Questions?")
        .replace(f"version: {shipped}", f"version: {shipped + 1}")
    )
    report = texts.sync_from_files(actor=None)
    assert report.texts_added == [f"social-media v{shipped + 1} en"]
    assert texts.current_texts("en")[purpose("social-media").id].version == shipped + 1
    # French has no new version yet: French readers keep seeing the shipped one.
    assert texts.current_texts("fr")[purpose("social-media").id].version == shipped
