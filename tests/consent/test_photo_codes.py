"""Event photography: a person's short-lived photo code, scanned or typed by the photographer."""

from __future__ import annotations

import io
import json
import re
import shutil
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.consent.assets import passes, register
from app.core.client import ClientInfo
from app.extensions import db
from app.models.asset import AssetTag, AssetTagPass, MediaAsset
from app.models.audit import AuditEvent
from app.models.types import utcnow
from app.models.user import Role
from app.pdf.qr import qr_matrix
from tests.conftest import make_user, post_form

CODE_RE = re.compile(r'class="photo-code-text"><strong>([0-9A-Z]{5}-[0-9A-Z]{5})</strong>')


@pytest.fixture
def comms(app):
    return make_user("comms@example.com", "Camille Com", role=Role.COMMUNICATIONS)


@pytest.fixture
def asset(app, comms) -> MediaAsset:
    return register.create(
        register.NewAsset(title="Gala", medium="photo", external_ref="dam:42"),
        file=None,
        thumbnail=None,
        people=[],
        actor=comms,
        client=ClientInfo.system(),
    )


def _my_code(client, auth, person) -> str:
    auth.login(person.email)
    me = client.get("/me").get_data(as_text=True)
    assert "Show my photo code" in me
    response = post_form(client, "/consent/assets/my-code", page="/me")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "<svg" in page and "photo-code-qr" in page
    code = CODE_RE.search(page).group(1)
    auth.logout()
    return code


def _scan(client, asset, data):
    return post_form(
        client,
        f"/consent/assets/{asset.id}/scan",
        data,
        page=f"/consent/assets/{asset.id}/scan",
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)


def _tags() -> int:
    return db.session.scalar(select(func.count()).select_from(AssetTag)) or 0


def test_a_typed_code_tags_its_holder_once(app, client, auth, comms, employee, asset):
    code = _my_code(client, auth, employee)
    # Only a digest is stored: the code itself is nowhere in the table.
    stored = db.session.scalar(select(AssetTagPass))
    assert stored.user_id == employee.id and code.replace("-", "") not in stored.token_sha256

    auth.login(comms.email)
    page = client.get(f"/consent/assets/{asset.id}/scan").get_data(as_text=True)
    assert "Nobody tagged yet." in page
    page = _scan(client, asset, {"code": " " + code.lower().replace("-", " ") + " "})
    assert "Élodie Employée is tagged." in page
    assert [p.id for p in register.tagged_people(asset)] == [employee.id]
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "asset.tagged"))
    assert entry.actor_id == comms.id and json.loads(entry.details)["people"] == [employee.id]
    db.session.refresh(stored)
    assert stored.used_on_asset_id == asset.id and stored.used_at is not None

    # Double use (a second scan, another asset): refused, nothing more recorded.
    page = _scan(client, asset, {"code": code})
    assert "This code was already used" in page
    assert _tags() == 1


def test_expired_unknown_and_malformed_codes_tag_nobody(app, client, auth, comms, employee, asset):
    old = passes.issue(employee, now=utcnow() - timedelta(minutes=passes.PASS_MINUTES + 1))
    auth.login(comms.email)
    assert "This code has expired" in _scan(client, asset, {"code": old.code})
    assert "Unknown code" in _scan(client, asset, {"code": "ABCDE-FGHJK"})
    assert "not a photo code" in _scan(client, asset, {"code": "hello"})
    assert "Type the code or take a picture of it." in _scan(client, asset, {})
    assert _tags() == 0


def test_a_leavers_code_tags_nobody(app, client, auth, admin, comms, employee, asset):
    from app.people import accounts

    issued = passes.issue(employee)
    accounts.set_active(employee, False, actor=admin, client=ClientInfo.system())
    auth.login(comms.email)
    assert "Unknown code" in _scan(client, asset, {"code": issued.code})
    assert _tags() == 0


def test_only_the_register_scans_and_every_post_needs_csrf(
    app, client, auth, comms, employee, other_employee, asset
):
    issued = passes.issue(other_employee)
    auth.login(employee.email)  # another person's code, a wrong role
    assert client.get(f"/consent/assets/{asset.id}/scan").status_code == 403
    assert (
        post_form(
            client, f"/consent/assets/{asset.id}/scan", {"code": issued.code}, page="/me"
        ).status_code
        == 403
    )
    assert client.post("/consent/assets/my-code").status_code == 400
    auth.logout()
    auth.login(comms.email)
    assert (
        client.post(f"/consent/assets/{asset.id}/scan", data={"code": issued.code}).status_code
        == 400
    )
    assert client.get("/consent/assets/999999/scan").status_code == 404
    assert _tags() == 0


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbarimg (zbar-tools) not installed")
def test_a_picture_of_the_code_tags_its_holder(app, client, auth, comms, employee, asset):
    code = _my_code(client, auth, employee)
    matrix = qr_matrix(code)
    scale, quiet = 8, 4
    side = (len(matrix) + 2 * quiet) * scale
    image = Image.new("L", (side, side), 255)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                left, top = (x + quiet) * scale, (y + quiet) * scale
                image.paste(0, (left, top, left + scale, top + scale))
    photo = io.BytesIO()
    image.convert("RGB").save(photo, "JPEG", quality=90)
    photo.seek(0)
    auth.login(comms.email)
    page = client.get(f"/consent/assets/{asset.id}/scan").get_data(as_text=True)
    assert 'capture="environment"' in page
    page = _scan(client, asset, {"photo": (photo, "code.jpg")})
    assert "Élodie Employée is tagged." in page
    assert "No code could be read" in _scan(
        client, asset, {"photo": (io.BytesIO(b"not an image"), "x.jpg")}
    )
