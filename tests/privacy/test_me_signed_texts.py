"""The Me page and the data export keep every policy version I signed readable, as signed."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.policy import PolicyText, PolicyVersion
from tests.conftest import post_form
from tests.policy_helpers import publish, sign_form

pytestmark = pytest.mark.usefixtures("no_signing_prerequisites")
ROOT = Path(__file__).resolve().parents[2] / "schemas"
EXPORT_SCHEMA = json.loads((ROOT / "me-export.schema.json").read_text())
RECEIPT_SCHEMA = json.loads((ROOT / "consent-receipt.schema.json").read_text())


def _text(version: int, locale: str = "en") -> PolicyText:
    return db.session.scalar(
        select(PolicyText)
        .join(PolicyVersion)
        .where(PolicyVersion.version == version, PolicyText.locale == locale)
    )


@pytest.fixture
def signed_both(client, auth, employee, purposes):
    """The employee signed v1, then v2 once it was published."""
    publish(1)
    auth.login(employee.email)
    sign_form(client, name="Élodie Employée")
    publish(2)
    sign_form(client, name="Élodie Employée", version=2)
    acks = db.session.scalars(select(Acknowledgement).order_by(Acknowledgement.id)).all()
    assert len(acks) == 2
    return acks


def test_me_page_lists_v1_after_v2_with_a_link_to_its_text(client, signed_both):
    v1, v2 = signed_both
    page = client.get("/me").get_data(as_text=True)
    assert "Version 1 signed on" in page and "Version 2 signed on" in page
    assert f"/policy/acknowledgements/{v1.id}/text" in page
    assert f"/policy/acknowledgements/{v2.id}/text" in page
    shown = client.get(f"/policy/acknowledgements/{v1.id}/text").get_data(as_text=True)
    assert _text(1).html in shown
    assert _text(2).html not in shown  # version 1's page shows version 1, not the current text


def test_other_employee_sees_neither_the_link_nor_the_text(
    client, auth, signed_both, other_employee
):
    v1, _v2 = signed_both
    auth.logout()
    auth.login(other_employee.email)
    page = client.get("/me").get_data(as_text=True)
    assert f"/policy/acknowledgements/{v1.id}/text" not in page
    assert client.get(f"/policy/acknowledgements/{v1.id}/text").status_code == 404


def test_export_holds_the_text_of_each_signed_version(client, signed_both, employee):
    from tests.consent_helpers import decide

    decide(employee, "company-website", "photo", "granted")
    response = post_form(client, "/me/export", page="/me")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    document = json.loads(archive.read("charte-export.json"))
    jsonschema.validate(document, EXPORT_SCHEMA)
    by_version = {s["policy_version"]: s for s in document["signatures"]}
    assert set(by_version) == {1, 2}
    for version, signature in by_version.items():
        signed = signature["signed_text"]
        assert signed["html"] == _text(version).html and signed["matches_text_sha256"] is True
        raw = archive.read(signed["file"])
        # The file is the exact text: its SHA-256 is the one recorded in the signature.
        assert hashlib.sha256(raw).hexdigest() == signature["text_sha256"]
    assert set(document["files"]) == set(archive.namelist()) - {"charte-export.json", "README.txt"}
    readme = archive.read("README.txt").decode()
    assert "policy_texts/" in readme and "matches_text_sha256" in readme
    # The consent receipts in the export follow the consent receipt schema.
    receipts = [n for n in archive.namelist() if n.startswith("receipts/consent-")]
    receipts = [n for n in receipts if n.endswith(".json")]
    assert receipts
    for name in receipts:
        jsonschema.validate(json.loads(archive.read(name)), RECEIPT_SCHEMA)
