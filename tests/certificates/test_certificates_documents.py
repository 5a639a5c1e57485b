"""Certificate PDFs through the routes: content, QR code, determinism, long names, ownership."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.certificates import documents, issuing
from app.core import settings
from app.core.client import ClientInfo
from app.core.codes import format_code
from app.extensions import db
from app.models.certificate import Certificate
from tests.conftest import make_user
from tests.learning_helpers import complete_module
from tests.pdf.test_pdf_documents import _decode_qr, _text

SLUG = "why-a-policy"
LONG_NAME = "Marie-Hélène Françoise Éléonore d'Aubigné de La Tour du Pin-Gouvernet Ñúñez Aëla"


def _issue(client, auth, user) -> Certificate:
    auth.login(user.email)
    complete_module(client, SLUG)
    return db.session.scalar(select(Certificate).where(Certificate.user_id == user.id))


def test_pdf_opens_and_shows_name_title_code_and_qr(client, auth, employee, tmp_path):
    certificate = _issue(client, auth, employee)
    response = client.get(f"/me/certificates/{certificate.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    pdf = response.data
    text = re.sub(r"\s+", " ", _text(pdf))
    assert employee.full_name in text
    assert "Why a social-media policy?" in text
    assert format_code(certificate.code) in re.sub(r"(?<=\w) (?=\w)", "", text) or (
        certificate.code in re.sub(r"[\s-]", "", text)
    )
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert employee.full_name in meta.title and meta.author and meta.subject
    assert _decode_qr(pdf, tmp_path) == f"http://localhost/verify/{certificate.code}"


def test_regeneration_is_byte_identical(client, auth, employee):
    certificate = _issue(client, auth, employee)
    first = client.get(f"/me/certificates/{certificate.id}.pdf").data
    second = client.get(f"/me/certificates/{certificate.id}.pdf").data
    assert first == second


@pytest.mark.parametrize("app_config", [{"CHARTE_BASE_URL": "https://charte.example.org/"}])
def test_qr_uses_the_configured_base_url(client, auth, employee, tmp_path):
    certificate = _issue(client, auth, employee)
    pdf = client.get(f"/me/certificates/{certificate.id}.pdf").data
    assert _decode_qr(pdf, tmp_path) == f"https://charte.example.org/verify/{certificate.code}"


def test_accented_80_character_name_is_printed_whole(client, auth, app):
    assert len(LONG_NAME) == 80
    person = make_user("long@example.com", LONG_NAME, locale="fr")
    certificate = _issue(client, auth, person)
    pdf = client.get(f"/me/certificates/{certificate.id}.pdf").data
    assert re.sub(r"\s+", "", LONG_NAME) in re.sub(r"\s+", "", _text(pdf))
    # French holder: French labels and title.
    assert "Attestation de réussite" in _text(pdf) and "Nous certifions que" in _text(pdf)
    assert certificate.title_fr in re.sub(r"\s+", " ", _text(pdf))


def test_another_employees_certificate_is_not_found(client, auth, employee, other_employee):
    certificate = _issue(client, auth, employee)
    auth.logout()
    auth.login(other_employee.email)
    assert client.get(f"/me/certificates/{certificate.id}.pdf").status_code == 404
    assert client.get("/me/certificates/999999.pdf").status_code == 404
    assert employee.full_name not in client.get("/me/certificates").get_data(as_text=True)
    assert client.get(f"/hr/certificates/{certificate.id}.pdf").status_code == 403


def test_my_certificates_lists_them_with_download_links(client, auth, employee):
    certificate = _issue(client, auth, employee)
    page = client.get("/me/certificates").get_data(as_text=True)
    assert "Why a social-media policy?" in page
    assert f"/me/certificates/{certificate.id}.pdf" in page
    assert format_code(certificate.code) in page


def test_my_certificates_is_empty_at_first_and_needs_sign_in(client, auth, employee):
    assert client.get("/me/certificates").status_code == 302
    auth.login(employee.email)
    assert "You have no certificate yet" in client.get("/me/certificates").get_data(as_text=True)


def test_unreadable_logo_is_ignored_with_a_warning(client, auth, employee, admin, caplog, tmp_path):
    bogus = tmp_path / "logo.png"
    bogus.write_text("not an image")
    settings.update({documents.LOGO_PATH.key: str(bogus)}, actor=admin, client=ClientInfo.system())
    certificate = _issue(client, auth, employee)
    response = client.get(f"/me/certificates/{certificate.id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert "neither PNG nor JPEG" in caplog.text


def test_a_readable_logo_is_printed(client, auth, employee, admin, tmp_path):
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (40, 20), (20, 60, 120)).save(logo)
    settings.update({documents.LOGO_PATH.key: str(logo)}, actor=admin, client=ClientInfo.system())
    certificate = _issue(client, auth, employee)
    pdf = client.get(f"/me/certificates/{certificate.id}.pdf").data
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert page["/Resources"].get("/XObject"), "the logo is drawn as an image"
    assert issuing.get(certificate.id) is not None
