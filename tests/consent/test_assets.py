"""The asset register: uploads without metadata, access, publishability, publications, take-down."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.consent.assets import media, publishing, register, takedown
from app.core import audit, settings
from app.core.client import ClientInfo
from app.extensions import db
from app.models.asset import AssetPublication, AssetTakedown, MediaAsset
from app.models.audit import AuditEvent
from app.models.publication import PublicationCheck
from app.models.types import utcnow
from app.models.user import Role
from app.models.webhook import WebhookDelivery
from tests.conftest import make_user, post_form
from tests.consent_helpers import decide, purpose

GPS_TAG = 0x8825


@pytest.fixture
def app_config():
    return {"WEBHOOKS_ALLOW_HTTP_LOOPBACK": True}


def jpeg_with_gps() -> bytes:
    """A JPEG whose EXIF names a camera and a GPS position (made with Pillow)."""
    image = Image.new("RGB", (640, 480), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[GPS_TAG] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_TAG)  # the fixture has GPS
    return data


def assert_no_metadata(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif(), "EXIF left in a served copy"
        assert "exif" not in image.info and "xmp" not in image.info
    assert b"SpyCam" not in data and b"Exif" not in data


@pytest.fixture
def comms(app):
    return make_user("comms@example.com", "Camille Com", role=Role.COMMUNICATIONS)


@pytest.fixture
def third(app):
    return make_user("third@example.com", "Thomas Tiers", department="Ventes")


def _new_photo(comms, people, data=None, name="team.jpg") -> MediaAsset:
    return register.create(
        register.NewAsset(title="Team day", medium="photo", place="Lyon seminar"),
        file=register.Upload(io.BytesIO(data or jpeg_with_gps()), name),
        thumbnail=None,
        people=people,
        actor=comms,
        client=ClientInfo.system(),
    )


def test_upload_keeps_the_original_and_serves_copies_without_exif_or_gps(
    app, client, auth, comms, employee, other_employee, purposes
):
    original = jpeg_with_gps()
    asset = _new_photo(comms, [employee], original)
    stored = media.path_of(asset.original_name).read_bytes()
    assert stored == original  # the original is kept as uploaded, for comms and HR only
    assert media.media_dir().is_relative_to(app.instance_path)

    auth.login(employee.email)  # tagged: may open the page and the clean copies
    assert client.get(f"/consent/assets/{asset.id}").status_code == 200
    for kind in ("image", "thumb"):
        response = client.get(f"/consent/assets/{asset.id}/{kind}")
        assert response.status_code == 200
        assert response.mimetype == "image/jpeg"
        assert_no_metadata(response.get_data())
    assert client.get(f"/consent/assets/{asset.id}/original").status_code == 403

    auth.logout()
    auth.login(other_employee.email)  # not tagged: the asset does not exist
    for path in ("", "/image", "/thumb"):
        assert client.get(f"/consent/assets/{asset.id}{path}").status_code == 404

    auth.logout()
    auth.login(comms.email)
    response = client.get(f"/consent/assets/{asset.id}/original")
    assert response.status_code == 200 and response.get_data() == original


def test_upload_form_streams_and_refuses_wrong_types_and_sizes(app, client, auth, comms):
    auth.login(comms.email)
    response = post_form(
        client,
        "/consent/assets/new",
        {"title": "Fake", "medium": "photo", "file": (io.BytesIO(b"GIF89a..."), "x.jpg")},
        page="/consent/assets/new",
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "does not match its name" in response.get_data(as_text=True)
    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    response = post_form(
        client,
        "/consent/assets/new",
        {"title": "Big", "medium": "photo", "file": (io.BytesIO(jpeg_with_gps()), "big.jpg")},
        page="/consent/assets/new",
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "too large" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MediaAsset)) == 0
    assert list(media.media_dir().iterdir()) == []  # nothing left behind


def test_external_asset_by_reference_with_thumbnail(client, auth, comms, employee):
    auth.login(comms.email)
    response = post_form(
        client,
        "/consent/assets/new",
        {
            "title": "Gala video",
            "medium": "video",
            "external_ref": "dam://videos/4411",
            "thumbnail": (io.BytesIO(jpeg_with_gps()), "poster.jpg"),
        },
        page="/consent/assets/new",
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    asset = db.session.scalar(select(MediaAsset))
    assert asset.source == "external" and asset.original_name is None
    thumb = client.get(f"/consent/assets/{asset.id}/thumb")
    assert_no_metadata(thumb.get_data())
    assert client.get(f"/consent/assets/{asset.id}/image").status_code == 404


def test_publishability_uses_the_publication_check_and_refuses_without_consent(
    app, comms, employee, other_employee, third, purposes
):
    social = purpose("social-media")
    today = utcnow().date()
    decide(employee, "social-media", "photo", "granted")
    decide(other_employee, "social-media", "photo", "granted")
    decide(third, "social-media", "photo", "refused")
    asset = _new_photo(comms, [employee, other_employee, third])
    answers = {a.person.id: a for a in publishing.publishability(asset, social, today)}
    assert [answers[p.id].allowed for p in (employee, other_employee, third)] == [
        True,
        True,
        False,
    ]
    assert answers[employee.id].reason.startswith("consent valid until")
    assert answers[third.id].reason.startswith("refused on")

    new = publishing.NewPublication(
        social, [employee, other_employee, third], "LinkedIn", "https://x.test/p/1", today
    )
    with pytest.raises(publishing.PublishError, match="Thomas Tiers"):
        publishing.publish(asset, new, actor=comms, client=ClientInfo.system())
    assert db.session.scalar(select(func.count()).select_from(PublicationCheck)) == 0

    settings.update({publishing.ALLOW_OVERRIDE.key: True}, actor=comms, client=ClientInfo.system())
    db.session.commit()
    with pytest.raises(publishing.PublishError, match="reason"):
        publishing.publish(asset, new, actor=comms, client=ClientInfo.system())
    forced = publishing.NewPublication(**{**new.__dict__, "override_reason": "Crowd shot, blurred"})
    pub = publishing.publish(asset, forced, actor=comms, client=ClientInfo.system())
    assert pub.override_reason == "Crowd shot, blurred"
    entry = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "asset.published_with_override")
    )
    assert entry is not None and entry.target_id == str(pub.id)
    assert {p.user_id: p.allowed for p in publishing.publications_of([asset.id])[0].check.people}


def test_withdrawal_puts_publications_on_the_takedown_list_and_the_person_sees_the_outcome(
    app, client, auth, comms, employee, other_employee, purposes
):
    from app.integrations import webhooks

    webhooks.register(
        "http://127.0.0.1:9/hook",
        ["asset.takedown_required"],
        actor=comms,
        client=ClientInfo.system(),
    )
    social = purpose("social-media")
    today = utcnow().date()
    decide(employee, "social-media", "photo", "granted")
    decide(other_employee, "social-media", "photo", "granted")
    asset = _new_photo(comms, [employee, other_employee])
    pub = publishing.publish(
        asset,
        publishing.NewPublication(
            social, [employee, other_employee], "Instagram", "https://x.test/9", today
        ),
        actor=comms,
        client=ClientInfo.system(),
    )
    assert takedown.items(today) == []

    auth.login(employee.email)
    page = client.get("/me/image").get_data(as_text=True)
    assert "Team day" in page and "https://x.test/9" in page
    assert "Withdraw my consent for this use" in page
    text_id = re.search(r'name="text_id" value="(\d+)"', page.split("Team day", 1)[1]).group(1)
    post_form(
        client,
        "/me/image/decide",
        {"purpose_id": social.id, "medium": "photo", "decision": "revoked", "text_id": text_id},
        page="/me/image",
    )
    [item] = takedown.items(today)
    assert item.publication.id == pub.id and item.person.id == employee.id
    from app.consent import publication

    assert publication.needs_review(today) == []  # followed here, not on "Needs review"
    [delivery] = db.session.scalars(select(WebhookDelivery)).all()
    assert delivery.event_type == "asset.takedown_required"
    assert "https://x.test/9" in delivery.body
    assert "To be taken down" in client.get("/me/image").get_data(as_text=True)

    auth.logout()
    auth.login(comms.email)
    listing = client.get("/consent/assets/takedown").get_data(as_text=True)
    assert "https://x.test/9" in listing and "Élodie Employée" in listing
    response = post_form(
        client,
        f"/consent/assets/takedown/{pub.id}/{employee.id}",
        {"outcome": "kept", "reason": ""},
        page="/consent/assets/takedown",
        follow_redirects=True,
    )
    assert "Say why" in response.get_data(as_text=True)
    post_form(
        client,
        f"/consent/assets/takedown/{pub.id}/{employee.id}",
        {"outcome": "removed", "removed_on": today.isoformat()},
        page="/consent/assets/takedown",
    )
    assert takedown.items(today) == []
    assert db.session.scalar(select(func.count()).select_from(AssetTakedown)) == 1

    auth.logout()
    auth.login(employee.email)
    assert f"Removed on {today.isoformat()}" in client.get("/me/image").get_data(as_text=True)
    report = audit.verify_all()
    assert report.ok, report.problems


def test_expiry_reaches_published_assets(app, comms, employee, purposes):
    social = purpose("social-media")
    today = utcnow().date()
    decide(employee, "social-media", "photo", "granted", until=today + timedelta(days=3))
    asset = _new_photo(comms, [employee])
    publishing.publish(
        asset,
        publishing.NewPublication(social, [employee], "Web", "https://x.test/e", today),
        actor=comms,
        client=ClientInfo.system(),
    )
    assert takedown.items(today) == []
    assert len(takedown.items(today + timedelta(days=4))) == 1


def test_evidence_rows_are_sealed_and_a_forged_takedown_does_not_clear_the_list(
    app, comms, employee, purposes
):
    social = purpose("social-media")
    today = utcnow().date()
    decide(employee, "social-media", "photo", "granted")
    asset = _new_photo(comms, [employee])
    pub = publishing.publish(
        asset,
        publishing.NewPublication(social, [employee], "Web", "https://x.test/f", today),
        actor=comms,
        client=ClientInfo.system(),
    )
    event = decide(employee, "social-media", "photo", "revoked")
    db.session.add(
        AssetTakedown(
            publication_id=pub.id,
            user_id=employee.id,
            trigger_event_id=event.id,
            outcome="removed",
            removed_on=today,
            decided_by_id=comms.id,
            decided_at=utcnow(),
        )
    )
    db.session.commit()
    assert len(takedown.items(today)) == 1  # the forged row carries no seal
    report = audit.verify_all()
    assert any("asset take-down decision" in p for p in report.problems)


def test_data_export_and_register_csv_include_assets(app, client, auth, comms, employee, purposes):
    social = purpose("social-media")
    decide(employee, "social-media", "photo", "granted")
    asset = _new_photo(comms, [employee])
    publishing.publish(
        asset,
        publishing.NewPublication(social, [employee], "Web", "https://x.test/csv", utcnow().date()),
        actor=comms,
        client=ClientInfo.system(),
    )
    auth.login(comms.email)
    csv_text = post_form(client, "/hr/consent/register.csv", page="/hr/consent").get_data(
        as_text=True
    )
    assert "Team day" in csv_text and "https://x.test/csv" in csv_text
    from app.consent.assets import mine
    from app.core.export_parts import ExportContext

    part = mine.export_part(employee, ExportContext("en", str, str, ""))
    assert part.data[0]["publications"][0]["location"] == "https://x.test/csv"
    assert db.session.scalar(select(func.count()).select_from(AssetPublication)) == 1


def test_rest_api_lists_assets_and_answers_publishability(
    app, client, admin, comms, employee, other_employee, purposes
):
    from tests.api_helpers import bearer, issue

    decide(employee, "social-media", "photo", "granted")
    decide(other_employee, "social-media", "photo", "refused")
    asset = _new_photo(comms, [employee, other_employee])
    publishing.publish(
        asset,
        publishing.NewPublication(
            purpose("social-media"), [employee], "Web", "https://x.test/api", utcnow().date()
        ),
        actor=comms,
        client=ClientInfo.system(),
    )
    token = issue(admin, scopes=("consents:check",))
    body = client.get("/api/v1/assets", headers=bearer(token)).get_json()
    [item] = body["data"]
    assert item["title"] == "Team day"
    assert {p["email"] for p in item["people"]} == {employee.email, other_employee.email}
    assert item["publications"][0]["location"] == "https://x.test/api"
    answer = client.get(
        f"/api/v1/assets/{asset.id}/publishability?purpose=social-media",
        headers=bearer(token),
    ).get_json()
    assert answer["publishable"] is False
    assert {p["email"]: p["allowed"] for p in answer["people"]} == {
        employee.email: True,
        other_employee.email: False,
    }
    assert (
        client.get(
            f"/api/v1/assets/{asset.id}/publishability?purpose=nope", headers=bearer(token)
        ).status_code
        == 422
    )
    narrow = issue(admin, scopes=("status:read",), name="other")
    assert client.get("/api/v1/assets", headers=bearer(narrow)).status_code == 403


def test_a_video_is_stored_as_is_and_opens_for_communications_only(client, auth, comms, employee):
    clip = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4096
    asset = register.create(
        register.NewAsset(title="Gala clip", medium="video"),
        file=register.Upload(io.BytesIO(clip), "clip.mp4"),
        thumbnail=register.Upload(io.BytesIO(jpeg_with_gps()), "poster.jpg"),
        people=[employee],
        actor=comms,
        client=ClientInfo.system(),
    )
    assert asset.original_type == "video/mp4" and asset.served_name is None
    auth.login(employee.email)
    assert client.get(f"/consent/assets/{asset.id}").status_code == 200
    assert client.get(f"/consent/assets/{asset.id}/image").status_code == 404
    assert_no_metadata(client.get(f"/consent/assets/{asset.id}/thumb").get_data())
    assert client.get(f"/consent/assets/{asset.id}/original").status_code == 403
    auth.logout()
    auth.login(comms.email)
    assert client.get(f"/consent/assets/{asset.id}/original").get_data() == clip
    with pytest.raises(media.AttachmentError):
        register.create(
            register.NewAsset(title="Not a video", medium="video"),
            file=register.Upload(io.BytesIO(b"MZ" + b"\x00" * 100), "x.mp4"),
            thumbnail=None,
            people=[],
            actor=comms,
            client=ClientInfo.system(),
        )
