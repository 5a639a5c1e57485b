"""Receipt PDFs: what they show, who may download them."""

from __future__ import annotations

import io

import pytest
from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import select

from app.core import when
from app.core.codes import format_code
from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from tests.policy_helpers import publish, sign_form

pytestmark = pytest.mark.usefixtures("no_signing_prerequisites")


@pytest.fixture
def ack(client, auth, employee):
    publish(1)
    auth.login(employee.email)
    sign_form(client, name="Élodie Employée")
    return db.session.scalar(select(Acknowledgement))


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_receipt_shows_name_version_hash_date_and_code(client, ack):
    response = client.get(f"/policy/receipts/{ack.id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    content = _text(response.data)
    assert "Élodie Employée" in content
    assert "Social media policy, version 1" in content
    assert ack.text_sha256 in content
    assert format_code(ack.code) in content
    # The time in the organisation's zone, then in UTC (both in the reader's language).
    with force_locale("en"):
        flat = " ".join(content.split())
        assert when.utc_moment(ack.signed_at).replace("\u202f", " ") in flat
        assert when.moment(ack.signed_at, "long").replace("\u202f", " ") in flat
    assert f"/verify/{ack.code}" in content


def test_receipt_uses_the_configured_base_url(client, app, ack):
    app.config["CHARTE_BASE_URL"] = "https://charte.example.org/"
    content = _text(client.get(f"/policy/receipts/{ack.id}.pdf").data)
    assert f"https://charte.example.org/verify/{ack.code}" in content


def test_another_employee_gets_404(client, auth, ack, other_employee):
    auth.logout()
    auth.login(other_employee.email)
    assert client.get(f"/policy/receipts/{ack.id}.pdf").status_code == 404
    assert client.get(f"/policy/acknowledgements/{ack.id}").status_code == 404
    assert client.get("/policy/receipts/999.pdf").status_code == 404


def test_hr_may_download_any_receipt(client, auth, ack, hr):
    auth.logout()
    auth.login(hr.email)
    response = client.get(f"/policy/receipts/{ack.id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_anonymous_visitors_are_sent_to_sign_in(client, auth, ack):
    auth.logout()
    response = client.get(f"/policy/receipts/{ack.id}.pdf")
    assert response.status_code == 302 and "/login" in response.location


def test_receipt_is_in_the_signers_language(client, auth, app):
    from tests.conftest import make_user

    publish(1)
    user = make_user("fr@example.com", "Françoise Dupont", locale="fr")
    auth.login(user.email)
    sign_form(client, name="francoise dupont", locale="fr")
    ack = db.session.scalar(select(Acknowledgement))
    content = _text(client.get(f"/policy/receipts/{ack.id}.pdf").data)
    assert "Code de vérification" in content
