"""Data export: a ZIP with exactly my records, valid against schemas/me-export.schema.json."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import jsonschema
import pytest
from pypdf import PdfReader

from app.core import hooks
from app.extensions import db
from app.models.audit import AuditEvent
from app.privacy import export
from tests.conftest import post_form
from tests.privacy_helpers import reminded, with_records

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "schemas" / "me-export.schema.json").read_text()
)


@pytest.fixture
def records(employee, other_employee, no_signing_prerequisites):
    with_records(employee)
    with_records(other_employee)


def _export(client) -> zipfile.ZipFile:
    response = post_form(client, "/me/export", page="/me")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "charte-export.zip" in response.headers["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.data))


def test_export_holds_exactly_my_records_and_follows_the_schema(
    client, auth, employee, other_employee, records
):
    auth.login(employee.email)
    archive = _export(client)
    document = json.loads(archive.read("charte-export.json"))
    jsonschema.validate(document, SCHEMA)
    assert document["profile"]["email"] == employee.email
    assert len(document["signatures"]) == 1
    assert document["signatures"][0]["typed_name"] == employee.full_name
    assert {e["decision"] for e in document["consent_events"]} == {"granted", "refused"}
    assert all(e["about_me"] or e["by_me"] for e in document["audit_events"])
    assert "me.exported" in {e["action"] for e in document["audit_events"]}
    names = set(archive.namelist())
    assert {"charte-export.json", "README.txt"} <= names
    assert set(document["files"]) == names - {"charte-export.json", "README.txt"}
    raw = b"".join(archive.read(name) for name in names)
    assert other_employee.email.encode() not in raw
    assert other_employee.full_name.encode() not in raw


def test_export_contains_receipts_and_a_bilingual_readme(client, auth, employee, records):
    auth.login(employee.email)
    archive = _export(client)
    document = json.loads(archive.read("charte-export.json"))
    receipt = document["signatures"][0]["receipt"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(archive.read(receipt))).pages)
    assert employee.full_name in text
    for event in document["consent_events"]:
        pdf_path, json_path = event["receipts"]
        assert archive.read(pdf_path).startswith(b"%PDF-")
        assert json.loads(archive.read(json_path))["principal"]["email"] == employee.email
    readme = archive.read("README.txt").decode()
    assert "ENGLISH" in readme and "FRANÇAIS" in readme


def test_export_is_audited(client, auth, employee):
    auth.login(employee.email)
    _export(client)
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "me.exported"))
    assert event.actor_id == employee.id and event.subject_id == employee.id


def test_export_requires_post_with_csrf(client, auth, employee):
    auth.login(employee.email)
    assert client.get("/me/export").status_code == 405
    assert client.post("/me/export").status_code == 400
    assert not db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "me.exported"))


def test_export_needs_sign_in(client):
    assert client.post("/me/export").status_code in (302, 400)


def test_export_sections_are_pluggable(app, client, auth, employee):
    def certificates(user, ctx):
        return export.ExportPart(
            "certificates", [{"code": "X"}], [("certificates/x.pdf", b"%PDF-")]
        )

    with hooks.export_sections.override(app, [certificates]):
        auth.login(employee.email)
        archive = _export(client)
    document = json.loads(archive.read("charte-export.json"))
    jsonschema.validate(document, SCHEMA)
    assert document["certificates"] == [{"code": "X"}]
    assert archive.read("certificates/x.pdf") == b"%PDF-"


def test_export_holds_the_reminders_sent_to_me_only(client, auth, employee, other_employee):
    reminded(employee)
    reminded(other_employee, days_ago=1)
    reminded(other_employee, days_ago=5)
    auth.login(employee.email)
    document = json.loads(_export(client).read("charte-export.json"))
    jsonschema.validate(document, SCHEMA)
    assert len(document["reminders"]) == 1
    reminder = document["reminders"][0]
    assert reminder["sent_by_hr"] is False and reminder["channel"] == "email"
    assert reminder["items"][0] == {"what": "policy", "due_on": "2026-11-01", "overdue": True}
