"""HR and auditors: the certificate list, downloads, revocation, the ZIP export; /verify."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from app.certificates import issuing
from app.core.client import ClientInfo
from app.core.codes import format_code
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.certificate import Certificate, CertificateRevocation
from app.models.user import Role
from tests.conftest import csrf_token, make_user, post_form
from tests.learning_helpers import complete_module

SLUG = "why-a-policy"


@pytest.fixture
def issued(client, auth, employee, other_employee) -> list[Certificate]:
    """Three certificates: two for the employee (Marketing), one for the other (Ventes)."""
    for person, slugs in ((employee, [SLUG, "professional-profile"]), (other_employee, [SLUG])):
        auth.login(person.email)
        for slug in slugs:
            complete_module(client, slug)
        auth.logout()
    return list(db.session.scalars(select(Certificate).order_by(Certificate.id)))


@pytest.fixture
def auditor(app):
    return make_user("auditor@example.com", "Aude Auditrice", role=Role.AUDITOR, department="Audit")


def _audits(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_hr_lists_filters_and_searches(client, auth, hr, issued, employee):
    auth.login(hr.email)
    page = client.get("/hr/certificates").get_data(as_text=True)
    assert "3 certificates" in page and employee.full_name in page and "Olivier Autre" in page
    page = client.get("/hr/certificates?department=Ventes").get_data(as_text=True)
    assert "1 certificate" in page and employee.full_name not in page
    page = client.get("/hr/certificates?module=professional-profile").get_data(as_text=True)
    assert "1 certificate" in page
    page = client.get("/hr/certificates?q=olivier").get_data(as_text=True)
    assert "1 certificate" in page
    code = format_code(issued[0].code).lower()
    assert "1 certificate" in client.get(f"/hr/certificates?q={code}").get_data(as_text=True)
    assert "0 certificates" in client.get("/hr/certificates?kind=programme").get_data(as_text=True)
    assert "3 certificates" in client.get("/hr/certificates?status=valid").get_data(as_text=True)


def test_hr_list_query_count_is_bounded(client, auth, hr, issued, count_queries, app):
    auth.login(hr.email)
    client.get("/hr/certificates")
    with count_queries() as few:
        client.get("/hr/certificates")
    for index in range(30):
        person = make_user(f"p{index}@example.com", f"Person {index}", password=None)
        for slug in (SLUG, "professional-profile"):
            db.session.add(
                Certificate(
                    kind="module",
                    user_id=person.id,
                    issue_key=f"module:{slug}:1",
                    module_slug=slug,
                    material_version=1,
                    content_version="x" * 64,
                    title_fr="Titre",
                    title_en="Title",
                    score=90,
                    holder_name=person.full_name,
                    code=f"{index:02d}{slug[:2].upper()}".ljust(20, "0").replace("O", "0")[:20],
                )
            )
    db.session.commit()
    client.get("/hr/certificates")  # same warm-up as above: the session was just committed
    with count_queries() as many:
        page = client.get("/hr/certificates")
    assert "63 certificates" in page.get_data(as_text=True)
    assert many.count == few.count, many.statements


def test_hr_downloads_any_certificate_and_employee_cannot(client, auth, hr, issued):
    auth.login(hr.email)
    response = client.get(f"/hr/certificates/{issued[2].id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert client.get("/hr/certificates/99999.pdf").status_code == 404
    auth.logout()
    auth.login("employee@example.com")
    assert client.get("/hr/certificates").status_code == 403


def test_revocation_requires_a_reason_and_shows_on_verify(client, auth, hr, issued):
    target = issued[0]
    auth.login(hr.email)
    page = f"/hr/certificates/{target.id}"
    response = post_form(client, f"{page}/revoke", {"reason": "   "}, page=page)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(CertificateRevocation)) == 0

    response = post_form(
        client, f"{page}/revoke", {"reason": "Quiz taken by someone else"}, page=page
    )
    assert response.status_code == 302
    [event] = _audits("certificate.revoked")
    assert "Quiz taken by someone else" in event.details and event.actor_id == hr.id
    assert "Revoked" in client.get(page).get_data(as_text=True)

    # Revoking twice records nothing more.
    post_form(client, f"{page}/revoke", {"reason": "again"}, page=page)
    assert len(_audits("certificate.revoked")) == 1

    auth.logout()
    verify = client.get(f"/verify/{target.code}")
    assert verify.status_code == 200
    text = verify.get_data(as_text=True)
    assert "This document was revoked" in text and target.holder_name in text
    assert "Quiz taken by someone else" not in text, "the reason is HR's, not the public's"
    data = client.get(f"/verify/{target.code}?format=json").get_json()
    assert data["status"] == "revoked" and data["revoked_at"]
    assert "1 certificate" in _hr_count(client, auth, hr, "status=revoked")


def _hr_count(client, auth, hr, query: str) -> str:
    auth.login(hr.email)
    return client.get(f"/hr/certificates?{query}").get_data(as_text=True)


def test_revocation_without_csrf_is_refused(client, auth, hr, issued):
    auth.login(hr.email)
    response = client.post(f"/hr/certificates/{issued[0].id}/revoke", data={"reason": "x"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(CertificateRevocation)) == 0


def test_auditor_reads_and_downloads_but_cannot_revoke(client, auth, auditor, issued):
    auth.login(auditor.email)
    assert client.get("/hr/certificates").status_code == 200
    page = client.get(f"/hr/certificates/{issued[0].id}")
    assert page.status_code == 200 and "Revoke the certificate" not in page.get_data(as_text=True)
    assert client.get(f"/hr/certificates/{issued[0].id}.pdf").data.startswith(b"%PDF")
    token = csrf_token(client, f"/hr/certificates/{issued[0].id}")
    response = client.post(
        f"/hr/certificates/{issued[0].id}/revoke", data={"reason": "x", "csrf_token": token}
    )
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(CertificateRevocation)) == 0


def test_zip_streams_one_pdf_per_certificate_of_the_filtered_set(
    client, auth, hr, issued, monkeypatch
):
    from app.certificates import documents

    monkeypatch.setattr(documents, "EXPORT_BATCH", 1)  # several batches
    expected = {c.code for c in issued[:2]}
    auth.login(hr.email)
    response = client.get("/hr/certificates/export.zip?department=Marketing")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.is_streamed
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert len(names) == 2 and all(n.endswith(".pdf") for n in names)
    assert expected == {n.rsplit("-", 1)[1][:-4] for n in names}
    assert all(archive.read(n).startswith(b"%PDF") for n in names)
    assert archive.testzip() is None
    [event] = _audits("certificates.exported")
    assert '"count":2' in event.details and "Marketing" in event.details


def test_verification_valid_unknown_garbled_and_json(client, issued):
    target = issued[0]
    page = client.get(f"/verify/{format_code(target.code).lower()}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "This document is genuine." in text and target.holder_name in text
    assert "Why a social-media policy?" in text and "Certificate of completion" in text
    assert "employee@example.com" not in text and "Marketing" not in text
    data = client.get(f"/verify/{target.code}", headers={"Accept": "application/json"}).get_json()
    assert data["status"] == "valid" and data["kind"] == "certificate"
    assert data["holder_name"] == target.holder_name and data["revoked_at"] is None
    assert (
        set(data)
        == {
            "status",
            "kind",
            "issuer",
            "code",
            "holder_name",
            "title",
            "issued_at",
            "details",
            "revoked_at",
            "audit_log",  # the issuing entry's number: no personal data
        }
        and data["details"] == {}
    )
    assert data["audit_log"]["intact"] is True
    assert client.get("/verify/0000-0000-0000-0000-0000").status_code == 404
    assert client.get("/verify/not-a-code!").status_code == 404
    assert client.get("/verify/0000?format=json").get_json() == {"status": "unknown"}


def test_verify_is_still_rate_limited(client, app, issued):
    app.config["VERIFY_RATE_LIMIT"] = "2 per minute"
    statuses = [client.get(f"/verify/{issued[0].code}").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_revoke_service_refuses_an_empty_reason(app, issued, hr):
    certificate = issuing.get(issued[0].id)
    with pytest.raises(issuing.CertificateError):
        issuing.revoke(certificate, reason=" ", actor=hr, client=ClientInfo.system())
