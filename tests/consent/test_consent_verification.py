"""Public verification of consent receipts: the page and /verify lead with the status today.

A withdrawn, expired, refused or superseded decision must never read as a valid consent: the
status is said in words (English and French), with a badge that carries the word, not only a
colour, and /verify recognises consent codes (online and paper) with that same status.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel.dates import format_date
from sqlalchemy import text

from app.consent import receipt_status
from app.core.codes import format_code
from app.extensions import db
from tests.conftest import BACKEND
from tests.consent_helpers import at, decide

# Decisions recorded in the past (2024-2025), so that "today" is after them whatever the clock.
JAN = date(2025, 1, 10)
MAR = date(2025, 3, 4)


def _page(client, code: str, lang: str = "en") -> str:
    response = client.get(f"/image-consent/verify/{code}", headers={"Accept-Language": lang})
    assert response.status_code == 200
    return " ".join(response.get_data(as_text=True).split())


def _heading(html: str) -> str:
    match = re.search(r'<h2 id="(?:status|result)-heading">(.*?)</h2>', html)
    assert match, "no status heading"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def _verify(client, code: str, lang: str = "en"):
    return client.get(f"/verify/{format_code(code)}", headers={"Accept-Language": lang})


def test_a_consent_in_force_is_valid_until_its_end_date(client, employee, purposes):
    event = decide(employee, "company-website", "photo", "granted")
    until = format_date(event.valid_until, "long", locale="en")
    html = _page(client, event.code)
    assert _heading(html) == f"Valid Valid today: consent granted until {until}."
    assert "badge-ok" in html
    assert "The record itself is genuine" in html

    response = _verify(client, event.code)
    assert response.status_code == 200
    page = " ".join(response.get_data(as_text=True).split())
    assert _heading(page) == f"Valid Valid today: consent granted until {until}."
    assert "not issued by this site" not in page and "Image-use consent receipt" in page
    body = client.get(f"/verify/{event.code}?format=json").get_json()
    assert body["kind"] == "consent_receipt" and body["status"] == "valid"
    assert body["details"]["valid_until"] == event.valid_until.isoformat()  # machines: ISO
    assert "email" not in body and employee.email not in str(body)


def test_a_withdrawn_grant_never_reads_as_valid(client, employee, purposes):
    grant = decide(employee, "social-media", "video", "granted", when=at(JAN))
    revoke = decide(employee, "social-media", "video", "revoked", when=at(MAR))

    for code in (grant.code, revoke.code):
        html = _page(client, code)
        heading = _heading(html)
        assert heading.startswith("Withdrawn Withdrawn on March 4, 2025"), heading
        assert "no longer allows any use of the image" in heading
        assert "badge-ok" not in html and "Valid today" not in html

        page = " ".join(_verify(client, code).get_data(as_text=True).split())
        assert _heading(page).startswith("Withdrawn Withdrawn on March 4, 2025")
        assert "This document is genuine." not in page and "badge-ok" not in page
        body = client.get(f"/verify/{code}?format=json").get_json()
        assert body["status"] == "withdrawn" and body["status_since"] == "2025-03-04"


def test_the_status_is_said_in_french_too(client, employee, purposes):
    decide(employee, "social-media", "photo", "granted", when=at(JAN))
    revoke = decide(employee, "social-media", "photo", "revoked", when=at(MAR))
    heading = _heading(_page(client, revoke.code, lang="fr"))
    assert heading.startswith("Retiré Retiré le 4 mars 2025"), heading
    page = " ".join(_verify(client, revoke.code, lang="fr").get_data(as_text=True).split())
    assert _heading(page).startswith("Retiré Retiré le 4 mars 2025")


def test_an_expired_grant_says_so_with_the_day_it_ended(client, employee, purposes):
    event = decide(
        employee,
        "internal-communication",
        "photo",
        "granted",
        when=at(JAN),
        until=date(2025, 2, 28),
    )
    heading = _heading(_page(client, event.code))
    assert heading.startswith("Expired Expired on March 1, 2025"), heading
    assert client.get(f"/verify/{event.code}?format=json").get_json()["status"] == "expired"


def test_a_renewed_grant_supersedes_the_earlier_receipt(client, employee, purposes):
    first = decide(employee, "company-website", "video", "granted", when=at(JAN))
    renewed = decide(
        employee, "company-website", "video", "granted", when=at(MAR), until=date(2027, 1, 31)
    )
    heading = _heading(_page(client, first.code))
    assert heading.startswith("Superseded Superseded by a later decision recorded on March 4, 2025")
    assert "Ask the organisation before any use" in heading
    assert client.get(f"/verify/{first.code}?format=json").get_json()["status"] == "superseded"
    in_force = receipt_status.status_of(renewed, date(2025, 4, 1))
    assert (in_force.status, in_force.valid_until) == ("valid", date(2027, 1, 31))
    assert receipt_status.status_of(first, date(2025, 4, 1)).status == "superseded"


def test_a_refusal_is_not_a_consent(client, employee, purposes):
    event = decide(employee, "advertising-print", "photo", "refused", when=at(JAN))
    html = _page(client, event.code)
    assert _heading(html).startswith("Refused Refused on January 10, 2025")
    assert "badge-ok" not in html
    assert client.get(f"/verify/{event.code}?format=json").get_json()["status"] == "refused"


def test_a_paper_decision_is_recognised_and_marked(client, employee, hr, purposes):
    event = decide(employee, "company-website", "photo", "granted", actor=hr, paper="PF-7")
    page = " ".join(_verify(client, event.code).get_data(as_text=True).split())
    assert _heading(page).startswith("Valid")
    assert "recorded by HR on behalf of the employee" in page


def test_an_altered_consent_record_is_not_vouched_for(client, employee, purposes):
    event = decide(employee, "company-website", "photo", "refused")
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = replica"))
    db.session.execute(text("UPDATE consent_event SET decision = 'granted'"))
    db.session.commit()
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = DEFAULT"))
    html = _page(client, event.code)
    assert _heading(html).startswith("Altered")
    assert "badge-ok" not in html and "Valid today" not in html
    assert _verify(client, event.code).status_code == 404


@pytest.mark.parametrize("path", ["/verify/", "/image-consent/verify/"])
def test_unknown_consent_codes(client, employee, purposes, path):
    decide(employee, "company-website", "photo", "granted")
    assert client.get(path + "0000-0000-0000-0000-0000").status_code == 404


# ---- the audit log behind the record ------------------------------------------------------------


def _recording_entry(event) -> int:
    from sqlalchemy import select

    from app.models.audit import AuditEvent

    return db.session.scalar(
        select(AuditEvent.seq).where(
            AuditEvent.target_type == "consent_event", AuditEvent.target_id == str(event.id)
        )
    )


def test_the_consent_page_says_the_log_still_holds_the_recording_entry(client, employee, purposes):
    event = decide(employee, "company-website", "photo", "granted")
    html = _page(client, event.code)
    seq = _recording_entry(event)
    assert f"The audit log still holds the entry that recorded this document (entry {seq})" in html
    assert "no longer holds" not in html


def test_the_consent_page_warns_when_the_recording_entry_was_cut_off(
    app, client, employee, purposes
):
    from tests.evidence.test_tamper import tamper

    event = decide(employee, "company-website", "photo", "granted")
    code = event.code
    tamper("DELETE FROM audit_event WHERE seq >= :seq", seq=_recording_entry(event))
    html = _page(client, code)
    assert "The audit log no longer holds the entry that recorded this document" in html
    assert 'role="alert"' in html
    # The page no longer vouches for the record on its own.
    assert "The record itself is genuine" not in html
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 1
