"""Signed receipts and certificates: the published keys, JWS, offline checks and the audit log."""

from __future__ import annotations

import ast
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, text

from app import create_app
from app.core.client import ClientInfo
from app.evidence import signed_documents, signing_keys
from app.evidence import verify_receipt as app_verifier
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.certificate import Certificate
from app.policy import signing
from tests.conftest import BACKEND, PASSWORD
from tests.learning_helpers import complete_module
from tests.policy_helpers import publish
from tests.production import production_config

pytestmark = pytest.mark.usefixtures("no_signing_prerequisites")

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "verify_receipt.py"


@pytest.fixture
def ack(app, employee):
    publish(1)
    result = signing.sign(
        employee,
        version_number=1,
        locale="en",
        typed_name=employee.full_name,
        password=PASSWORD,
        client=ClientInfo(ip="192.0.2.3", user_agent="pytest"),
    )
    return result.acknowledgement


@pytest.fixture
def files(tmp_path, client, auth, employee, ack):
    """A signed JSON receipt and the receipt PDF downloaded by the signer, and the public keys."""
    auth.login(employee.email)
    receipt = client.get(f"/policy/receipts/{ack.id}.json")
    assert receipt.status_code == 200
    pdf = client.get(f"/policy/receipts/{ack.id}.pdf")
    keys = client.get("/.well-known/charte-keys.json")
    paths = {
        "json": tmp_path / "receipt.json",
        "pdf": tmp_path / "receipt.pdf",
        "keys": tmp_path / "charte-keys.json",
    }
    paths["json"].write_bytes(receipt.data)
    paths["pdf"].write_bytes(pdf.data)
    paths["keys"].write_bytes(keys.data)
    return paths


def _tamper(sql: str, **params) -> None:
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = replica"))
    db.session.execute(text(sql), params)
    db.session.commit()
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = DEFAULT"))
        db.session.commit()


def _script(*args) -> subprocess.CompletedProcess:
    # A fresh interpreter, run from elsewhere, with no access to the app's configuration.
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=SCRIPT.parent.parent.parent,
        timeout=60,
    )


# ---- the published keys ------------------------------------------------------------------------


def test_keys_are_public_and_hold_no_private_part(client, app):
    response = client.get("/.well-known/charte-keys.json")
    assert response.status_code == 200  # no sign-in
    body = response.get_json()
    assert len(body["keys"]) == 1
    key = body["keys"][0]
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and key["alg"] == "Ed25519"
    assert "d" not in key and set(key) <= {"kty", "crv", "x", "kid", "alg", "use", "created"}
    assert key["kid"] == signing_keys.current_kid()
    fingerprints = _script("--fingerprints", _write(app, body))
    assert fingerprints.stdout.split() == [key["kid"]]  # the kid is the RFC 7638 thumbprint


def _write(app, body) -> Path:
    path = Path(app.instance_path) / "published.json"
    path.write_text(json.dumps(body))
    return path


def test_rotation_keeps_old_keys_published_and_old_receipts_valid(app, client, files):
    old_kid = signing_keys.current_kid()
    result = app.test_cli_runner().invoke(args=["signing-key", "rotate"])
    assert result.exit_code == 0 and old_kid in result.output
    keys = client.get("/.well-known/charte-keys.json").get_json()["keys"]
    assert [k["kid"] for k in keys][1] == old_kid and keys[0]["kid"] != old_kid
    assert "retired" in keys[1] and all("d" not in k for k in keys)
    # the receipt signed with the old key still verifies with the published set
    assert signed_documents.check(json.loads(files["json"].read_text()))
    shown = app.test_cli_runner().invoke(args=["signing-key", "show"])
    assert json.loads(shown.stdout)["keys"][0]["kid"] == keys[0]["kid"]


def test_production_refuses_to_start_without_a_key_file(tmp_path, monkeypatch):
    monkeypatch.delenv("CHARTE_SIGNING_KEY_FILE", raising=False)
    config = production_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/p.db")
    del config["CHARTE_SIGNING_KEY_FILE"]
    with pytest.raises(RuntimeError, match="CHARTE_SIGNING_KEY_FILE"):
        create_app(config=config, env="production")
    missing = tmp_path / "keys.json"
    with pytest.raises(RuntimeError, match="signing_keys create"):
        create_app(config={**config, "CHARTE_SIGNING_KEY_FILE": str(missing)}, env="production")
    created = subprocess.run(
        [sys.executable, "-m", "app.evidence.signing_keys", "create", str(missing)],
        capture_output=True,
        text=True,
        cwd=SCRIPT.parent.parent,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr
    app = create_app(config={**config, "CHARTE_SIGNING_KEY_FILE": str(missing)}, env="production")
    with app.app_context():
        assert signing_keys.key_file_path() == missing
        assert signing_keys.current_kid() in created.stdout


# ---- signed receipts ---------------------------------------------------------------------------


def test_receipt_carries_the_head_at_signing_and_verifies(files, ack):
    receipt = json.loads(files["json"].read_text())
    entry = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash).where(
            AuditEvent.target_type == "acknowledgement", AuditEvent.target_id == str(ack.id)
        )
    ).one()
    assert receipt["chain_head"]["seq"] == entry.seq and receipt["chain_head"]["hash"] == entry.hash
    assert receipt["signer"]["typed_name"] == ack.typed_name
    assert signed_documents.check(receipt)["record_id"].endswith(ack.code)


def test_receipts_are_only_for_the_signer_and_hr(client, auth, ack, other_employee, hr):
    auth.login(other_employee.email)
    assert client.get(f"/policy/receipts/{ack.id}.json").status_code == 404
    auth.logout()
    assert client.get(f"/policy/receipts/{ack.id}.json").status_code in (302, 401)
    auth.login(hr.email)
    assert client.get(f"/policy/receipts/{ack.id}.json").status_code == 200


@pytest.mark.parametrize("verifier", ["module", "script"])
def test_third_party_verifies_with_the_published_keys_only(files, verifier):
    for document in (files["json"], files["pdf"]):
        if verifier == "module":
            assert app_verifier.main([str(document), "--key", str(files["keys"])]) == 0
        else:
            result = _script(document, "--keys", files["keys"])
            assert result.returncode == 0, result.stdout + result.stderr
            assert "GENUINE" in result.stdout and "NOT" not in result.stdout


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r["signer"].update(name="Mallory"),
        lambda r: r["chain_head"].update(seq=r["chain_head"]["seq"] + 1),
        lambda r: r.update(statement=r["statement"] + " (amended)"),
        # a valid signature over other content: the payload of another receipt
        lambda r: r["signature"].update(jws=r["signature"]["jws"][:-4] + "AAAA"),
    ],
)
def test_tampered_receipt_fails_everywhere(files, tmp_path, change):
    receipt = json.loads(files["json"].read_text())
    change(receipt)
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(receipt))
    result = _script(tampered, "--keys", files["keys"])
    assert result.returncode == 1 and "NOT GENUINE" in result.stdout
    assert app_verifier.main([str(tampered), "--key", str(files["keys"])]) == 1
    with pytest.raises(ValueError):
        signed_documents.check(receipt)


def test_another_sites_key_does_not_verify(files, tmp_path):
    from joserfc.jwk import OKPKey

    stranger = OKPKey.generate_key("Ed25519").as_dict(private=False)
    other = tmp_path / "other-keys.json"
    other.write_text(json.dumps({"keys": [stranger]}))
    result = _script(files["json"], "--keys", other)
    assert result.returncode == 1 and "not in the key set" in result.stdout


def test_standalone_script_imports_nothing_from_the_app():
    tree = ast.parse(SCRIPT.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert "app" not in imported and "tests" not in imported and "joserfc" not in imported
    assert imported <= {
        "__future__", "argparse", "base64", "hashlib", "io", "json", "sys", "cryptography", "pypdf",
    }  # fmt: skip


def test_receipt_pdf_prints_the_head_and_attaches_the_signed_json(files):
    reader = PdfReader(io.BytesIO(files["pdf"].read_bytes()))
    text_ = " ".join(page.extract_text() for page in reader.pages)
    receipt = json.loads(files["json"].read_text())
    assert "Audit log at issue" in text_ and f"entry {receipt['chain_head']['seq']}" in text_
    assert receipt["chain_head"]["hash"] in text_.replace("\n", "")
    attached = json.loads(reader.attachments["signature-receipt.json"][0])
    assert attached["chain_head"] == receipt["chain_head"]
    assert signed_documents.check(attached)


def test_certificate_json_and_pdf_are_signed(client, auth, employee):
    auth.login(employee.email)
    complete_module(client, "why-a-policy")
    certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == employee.id))
    body = client.get(f"/me/certificates/{certificate.id}.json")
    assert body.status_code == 200
    document = body.get_json()
    assert document["holder"]["name"] == certificate.holder_name
    assert document["chain_head"]["seq"] >= 1
    assert signed_documents.check(document)
    pdf = client.get(f"/me/certificates/{certificate.id}.pdf").data
    reader = PdfReader(io.BytesIO(pdf))
    assert signed_documents.check(json.loads(reader.attachments["certificate.json"][0]))
    assert "audit log entry" in reader.pages[0].extract_text()
    assert client.get(f"/me/certificates/{certificate.id}.pdf").data == pdf  # still deterministic


# ---- /verify and the audit log -----------------------------------------------------------------


def test_verify_page_says_the_log_still_holds_the_entry(client, ack):
    html = client.get(f"/verify/{ack.code}").get_data(as_text=True)
    assert "still holds the entry that recorded this document" in html
    body = client.get(f"/verify/{ack.code}?format=json").get_json()
    assert body["audit_log"]["intact"] is True


def test_verify_page_warns_when_the_tail_was_cut(client, ack):
    seq = db.session.scalar(
        select(AuditEvent.seq).where(
            AuditEvent.target_type == "acknowledgement", AuditEvent.target_id == str(ack.id)
        )
    )
    _tamper("DELETE FROM audit_event WHERE seq >= :seq", seq=seq)
    html = client.get(f"/verify/{ack.code}").get_data(as_text=True)
    assert "no longer holds the entry that recorded this document" in html
    assert client.get(f"/verify/{ack.code}?format=json").get_json()["audit_log"]["intact"] is False


def _upload(client, data: bytes, name: str):
    from tests.conftest import csrf_token

    token = csrf_token(client, "/verify/receipt")
    return client.post(
        "/verify/receipt",
        data={"csrf_token": token, "receipt": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_uploaded_receipt_proves_the_chain_still_reaches_its_head(client, auth, files):
    auth.logout()  # public: anyone holding the file may check it
    for kind in ("json", "pdf"):
        response = _upload(client, files[kind].read_bytes(), f"r.{kind}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "signed by this site and has not been altered" in html
        assert "still holds entry" in html and "valid" in html
        assert signing_keys.current_kid() in html


def test_uploaded_receipt_after_truncation_says_the_log_was_cut(client, files):
    receipt = json.loads(files["json"].read_text())
    _tamper("DELETE FROM acknowledgement")
    _tamper("DELETE FROM audit_event WHERE seq >= :seq", seq=receipt["chain_head"]["seq"])
    remaining = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert remaining < receipt["chain_head"]["seq"]
    html = _upload(client, files["json"].read_bytes(), "r.json").get_data(as_text=True)
    assert "signed by this site" in html
    assert f"no longer holds entry {receipt['chain_head']['seq']}" in html
    assert "No record with this code is held any more." in html


def test_uploaded_tampered_or_garbage_file_is_not_genuine(client, files):
    receipt = json.loads(files["json"].read_text())
    receipt["signer"]["name"] = "Mallory"
    response = _upload(client, json.dumps(receipt).encode(), "r.json")
    assert response.status_code == 422
    assert "not signed by this site, or it was altered" in response.get_data(as_text=True)
    assert _upload(client, b"%PDF-1.4 garbage", "r.pdf").status_code == 422
    assert _upload(client, b"", "r.json").status_code == 400


def test_consent_receipt_json_and_pdf_are_signed_and_verify_offline(
    client, auth, employee, purposes, tmp_path
):
    from tests.consent_helpers import decide

    event = decide(employee, "company-website", "video", "granted")
    auth.login(employee.email)
    receipt = client.get(f"/me/image/receipts/{event.id}.json")
    pdf = client.get(f"/me/image/receipts/{event.id}.pdf")
    keys = tmp_path / "keys.json"
    keys.write_bytes(client.get("/.well-known/charte-keys.json").data)
    document = receipt.get_json()
    assert document["chain_head"]["seq"] >= 1
    assert signed_documents.check(document)["recordId"].endswith(event.code)
    for name, data in (("c.json", receipt.data), ("c.pdf", pdf.data)):
        (tmp_path / name).write_bytes(data)
        result = _script(tmp_path / name, "--keys", keys)
        assert result.returncode == 0, result.stdout + result.stderr
    document["event"]["state"] = "refused"
    (tmp_path / "forged.json").write_text(json.dumps(document))
    assert _script(tmp_path / "forged.json", "--keys", keys).returncode == 1
