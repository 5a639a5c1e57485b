"""The text as signed: readable by its signer after newer versions, in the receipt's annex."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select, text

from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.policy import PolicyText, PolicyVersion
from tests.conftest import BACKEND
from tests.policy_helpers import publish, sign_form

pytestmark = pytest.mark.usefixtures("no_signing_prerequisites")


def _tamper(sql: str) -> None:
    """Change a stored text behind the application's back (database access)."""
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = replica"))  # bypass triggers
    db.session.execute(text(sql))
    db.session.commit()
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = DEFAULT"))


def _pdf_text(pdf: bytes) -> str:
    raw = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(raw.split())


def _v1_text(locale: str) -> PolicyText:
    return db.session.scalar(
        select(PolicyText)
        .join(PolicyVersion)
        .where(PolicyVersion.version == 1, PolicyText.locale == locale)
    )


def _plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def signed_v1(client, auth, employee):
    """The employee signed version 1; version 2 was published afterwards."""
    publish(1)
    auth.login(employee.email)
    sign_form(client, name="Élodie Employée")
    publish(2)
    return db.session.scalar(select(Acknowledgement))


def test_signed_text_of_v1_is_shown_after_v2(client, signed_v1):
    response = client.get(f"/policy/acknowledgements/{signed_v1.id}/text")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    page = response.get_data(as_text=True)
    v1 = _v1_text("en")
    assert v1.html in page  # the stored HTML, exactly
    assert signed_v1.text_sha256 in page
    assert "version 1" in page and "does not match" not in page


def test_another_employee_cannot_read_my_signed_text(client, auth, signed_v1, other_employee):
    auth.logout()
    auth.login(other_employee.email)
    assert client.get(f"/policy/acknowledgements/{signed_v1.id}/text").status_code == 404
    assert client.get("/policy/acknowledgements/99999/text").status_code == 404


def test_hr_cannot_open_the_employee_page_but_gets_the_receipt(client, auth, signed_v1, hr):
    auth.logout()
    auth.login(hr.email)
    assert client.get(f"/policy/acknowledgements/{signed_v1.id}/text").status_code == 404
    receipt = client.get(f"/policy/receipts/{signed_v1.id}.pdf")
    assert receipt.status_code == 200  # HR's existing view of receipts carries the annex


def test_signed_text_needs_sign_in(client, auth, signed_v1):
    auth.logout()
    response = client.get(f"/policy/acknowledgements/{signed_v1.id}/text")
    assert response.status_code in (302, 401)


def test_altered_stored_text_shows_a_warning(client, signed_v1):
    _tamper(
        "UPDATE policy_text SET html = html || '<p>Clause added later.</p>' "
        "WHERE locale = 'en' AND policy_version_id = "
        "(SELECT id FROM policy_version WHERE version = 1)"
    )
    page = client.get(f"/policy/acknowledgements/{signed_v1.id}/text").get_data(as_text=True)
    assert "does not match the fingerprint recorded when you signed" in page
    assert 'role="alert"' in page
    pdf = _pdf_text(client.get(f"/policy/receipts/{signed_v1.id}.pdf").data)
    assert "does not match the fingerprint recorded" in pdf


def test_receipt_pdf_appends_the_text_as_signed(client, signed_v1):
    pdf = _pdf_text(client.get(f"/policy/receipts/{signed_v1.id}.pdf").data)
    assert "Annex: the text you signed" in pdf
    v1 = _plain(_v1_text("en").html)
    # Sentences from the start, the middle and the end of the signed text are in the annex.
    words = v1.split()
    for start in (0, len(words) // 2, len(words) - 8):
        assert " ".join(words[start : start + 6]) in pdf
    assert "version 2" not in pdf.lower().split("annex")[1][:200]


def test_french_receipt_annex_is_in_french(client, auth, app, employee):
    employee.locale = "fr"
    db.session.commit()
    publish(1)
    auth.login(employee.email)
    sign_form(client, name="Élodie Employée", locale="fr")
    ack = db.session.scalar(select(Acknowledgement))
    pdf = _pdf_text(client.get(f"/policy/receipts/{ack.id}.pdf").data)
    assert "Annexe : le texte que vous avez signé" in pdf
    words = _plain(_v1_text("fr").html).split()
    assert " ".join(words[:6]) in pdf
    for english in ("Annex: the text", "SHA-256 recorded at signature", "Signed by", "Method"):
        assert english not in pdf


def test_script_put_into_a_stored_text_does_not_run(client, signed_v1):
    _tamper(
        "UPDATE policy_text SET html = html || '<script>alert(1)</script><p onclick=\"x()\">Hi</p>' "
        "WHERE locale = 'en'"
    )
    page = client.get(f"/policy/acknowledgements/{signed_v1.id}/text").get_data(as_text=True)
    assert "does not match" in page
    assert "<script>alert(1)" not in page and "onclick" not in page
