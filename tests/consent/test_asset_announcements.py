"""Telling people: the take-down mail, expiries reaching the assets once, renewal requests."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.consent import expiry
from app.consent.assets import publishing, register, takedown
from app.core import settings
from app.core.client import ClientInfo
from app.extensions import db
from app.models.asset import MediaAsset
from app.models.consent import ConsentNotice
from app.models.reminder import Notification
from app.models.types import utcnow
from app.models.user import Role
from app.models.webhook import WebhookDelivery
from app.notifications import notices
from tests.conftest import make_user, post_form
from tests.consent_helpers import decide, purpose


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 40)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def comms(app):
    return make_user("comms@example.com", "Camille Com", role=Role.COMMUNICATIONS)


def _published(comms, person, location="https://x.test/p", title="Team day"):
    asset: MediaAsset = register.create(
        register.NewAsset(title=title, medium="photo", place="Lyon"),
        file=register.Upload(io.BytesIO(_jpeg()), "team.jpg"),
        thumbnail=None,
        people=[person],
        actor=comms,
        client=ClientInfo.system(),
    )
    return publishing.publish(
        asset,
        publishing.NewPublication(
            purpose("social-media"), [person], "Instagram", location, utcnow().date()
        ),
        actor=comms,
        client=ClientInfo.system(),
    )


def _hook(comms):
    from app.integrations import webhooks

    webhooks.register(
        "http://127.0.0.1:9/hook",
        ["asset.takedown_required"],
        actor=comms,
        client=ClientInfo.system(),
    )


def _notices(user, kind):
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
        )
    )


def _to(server, address):
    return [m for m in server.messages if m["To"] == address]


def _days(admin, days: int) -> None:
    settings.update({expiry.RENEWAL_NOTICE_DAYS.key: days}, actor=admin, client=ClientInfo.system())


class TestWithMail:
    @pytest.fixture
    def app_config(self, smtp_server):
        return {
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp_server.port,
            "WEBHOOKS_ALLOW_HTTP_LOOPBACK": True,
        }

    def test_the_person_is_mailed_when_a_publication_is_removed_not_when_kept(
        self, client, auth, comms, employee, other_employee, purposes, smtp_server
    ):
        today = utcnow().date()
        decide(employee, "social-media", "photo", "granted")
        decide(other_employee, "social-media", "photo", "granted")
        pub = _published(comms, employee, "https://x.test/removed")
        kept = _published(comms, other_employee, "https://x.test/kept", title="Gala")
        decide(employee, "social-media", "photo", "revoked")
        decide(other_employee, "social-media", "photo", "revoked")
        assert _to(smtp_server, employee.email) == []  # nothing done yet

        auth.login(comms.email)
        post_form(
            client,
            f"/consent/assets/takedown/{pub.id}/{employee.id}",
            {"outcome": "removed", "removed_on": today.isoformat()},
            page="/consent/assets/takedown",
        )
        post_form(
            client,
            f"/consent/assets/takedown/{kept.id}/{other_employee.id}",
            {"outcome": "kept", "reason": "Archive of the event, internal only"},
            page="/consent/assets/takedown",
        )
        [message] = _to(smtp_server, employee.email)
        assert message["Subject"] == "A publication with your image was taken down"
        body = message.get_content()
        assert "Team day" in body and "https://x.test/removed" in body
        assert "http://localhost/me/image" in body
        assert _to(smtp_server, other_employee.email) == []  # kept: explained in the app
        # Double submission: nothing left to decide, no second mail.
        again = post_form(
            client,
            f"/consent/assets/takedown/{pub.id}/{employee.id}",
            {"outcome": "removed", "removed_on": today.isoformat()},
            page="/consent/assets/takedown",
            follow_redirects=True,
        )
        assert "Nothing to take down here any more" in again.get_data(as_text=True)
        assert len(_to(smtp_server, employee.email)) == 1

        auth.logout()
        auth.login(employee.email)
        page = client.get("/notifications").get_data(as_text=True)
        assert "“Team day” (Instagram), in which you appear, was taken down on" in page
        auth.logout()
        auth.login(other_employee.email)
        page = client.get("/notifications").get_data(as_text=True)
        assert "“Gala” (Instagram), in which you appear, stays published" in page

    def test_missing_csrf_records_nothing_and_mails_nobody(
        self, app, client, auth, comms, employee, purposes, smtp_server
    ):
        decide(employee, "social-media", "photo", "granted")
        pub = _published(comms, employee)
        decide(employee, "social-media", "photo", "revoked")
        auth.login(comms.email)
        response = client.post(
            f"/consent/assets/takedown/{pub.id}/{employee.id}",
            data={"outcome": "removed", "removed_on": utcnow().date().isoformat()},
        )
        assert response.status_code == 400
        assert len(takedown.items(utcnow().date())) == 1
        assert _to(smtp_server, employee.email) == []

    def test_renewal_requests_go_once_per_consent_with_a_link(
        self, app, comms, employee, other_employee, purposes, smtp_server
    ):
        today = utcnow().date()
        decide(employee, "social-media", "photo", "granted", until=today + timedelta(days=10))
        decide(employee, "social-media", "video", "granted", until=today + timedelta(days=12))
        decide(other_employee, "social-media", "photo", "granted")  # ends in months: not yet
        report = expiry.run(today)
        assert report.renewals_mailed == 1
        [message] = smtp_server.messages
        assert message["To"] == employee.email
        assert message["Subject"] == "Your image consents end soon"
        body = message.get_content()
        assert "http://localhost/me/image" in body and body.count("- “") == 2
        assert expiry.run(today).renewals_mailed == 0  # once per consent
        assert expiry.run(today + timedelta(days=1)).renewals_mailed == 0
        assert len(smtp_server.messages) == 1
        # A renewed consent is a new one: asked again when it in turn ends soon.
        decide(employee, "social-media", "photo", "granted", until=today + timedelta(days=5))
        assert expiry.run(today).renewals_mailed == 1
        assert len(smtp_server.messages) == 2

    def test_renewal_setting_zero_turns_requests_off_and_leavers_are_not_asked(
        self, app, admin, employee, other_employee, purposes, smtp_server
    ):
        from app.people import accounts

        today = utcnow().date()
        decide(employee, "social-media", "photo", "granted", until=today + timedelta(days=10))
        decide(other_employee, "social-media", "photo", "granted", until=today + timedelta(days=3))
        accounts.set_active(other_employee, False, actor=admin, client=ClientInfo.system())
        db.session.commit()
        _days(admin, 0)
        assert expiry.run(today).renewals_mailed == 0
        notices.run(today)
        assert _notices(employee, "consent_expiry") == []
        _days(admin, 7)
        assert expiry.run(today).renewals_mailed == 0  # 10 days away, beyond 7
        _days(admin, 30)
        assert expiry.run(today).renewals_mailed == 1
        assert [m["To"] for m in smtp_server.messages] == [employee.email]
        notices.run(today)
        [notice] = _notices(employee, "consent_expiry")
        assert notice.endpoint == "consent.my_image"


def test_without_mail_nothing_is_mailed_and_the_app_still_tells(
    app, client, auth, comms, employee, purposes, smtp_server
):
    today = utcnow().date()
    decide(employee, "social-media", "photo", "granted", until=today + timedelta(days=10))
    pub = _published(comms, employee)
    assert expiry.run(today).renewals_mailed == 0
    assert db.session.scalar(select(func.count()).select_from(ConsentNotice)) == 0
    notices.run(today)
    assert len(_notices(employee, "consent_expiry")) == 1
    decide(employee, "social-media", "photo", "revoked")
    takedown.decide(
        pub.id,
        employee.id,
        outcome="removed",
        removed=today,
        reason="",
        actor=comms,
        client=ClientInfo.system(),
    )
    assert smtp_server.messages == []
    assert len(_notices(employee, "asset_takedown")) == 1


@pytest.fixture
def app_config():
    return {"WEBHOOKS_ALLOW_HTTP_LOOPBACK": True}


def test_an_expiry_announces_its_takedowns_once(app, comms, employee, other_employee, purposes):
    _hook(comms)
    today = utcnow().date()
    decide(employee, "social-media", "photo", "granted", until=today + timedelta(days=3))
    decide(other_employee, "social-media", "photo", "granted", until=today + timedelta(days=3))
    pub = _published(comms, employee)
    assert expiry.run(today).expired == 0
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0

    later = today + timedelta(days=4)
    report = expiry.run(later)
    # Both expiries are announced; only the published one leaves something to take down.
    assert (report.expired, report.takedowns) == (2, 1)
    [delivery] = db.session.scalars(select(WebhookDelivery)).all()
    assert delivery.event_type == "asset.takedown_required"
    data = json.loads(delivery.body)["data"]
    assert data["decision"] == "expired" and data["employee"]["email"] == employee.email
    assert data["publication"]["id"] == pub.id
    assert data["valid_until"] == (today + timedelta(days=3)).isoformat()
    [notice] = _notices(comms, "asset_expired")
    assert notice.endpoint == "consent_assets.takedown_list"

    # Idempotent: the next runs (and the next days) announce nothing again.
    assert expiry.run(later).expired == 0
    assert expiry.run(later + timedelta(days=30)).expired == 0
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1
    assert len(_notices(comms, "asset_expired")) == 1
    assert [i.publication.id for i in takedown.items(later)] == [pub.id]


def test_a_withdrawn_consent_is_not_announced_again_as_expired(app, comms, employee, purposes):
    _hook(comms)
    today = utcnow().date()
    decide(employee, "social-media", "photo", "granted", until=today + timedelta(days=3))
    _published(comms, employee)
    decide(employee, "social-media", "photo", "revoked")
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1
    assert expiry.run(today + timedelta(days=4)).expired == 0
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1


def test_the_consents_job_runs_from_the_command_line(app, comms, employee, purposes):
    today = utcnow().date()
    decide(employee, "social-media", "photo", "granted", until=today - timedelta(days=0))
    result = app.test_cli_runner().invoke(args=["jobs", "run", "consents"])
    assert result.exit_code == 0, result.output
    assert "expired consents announced: 0" in result.output


def test_the_admin_sets_the_renewal_notice_on_the_settings_page(app, client, auth, admin):
    from flask import g

    auth.login(admin.email)
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Ask people to renew a consent this many days before it ends" in page
    values = {
        key: (
            "\n".join(v)
            if isinstance(v := settings.get(spec), list)
            else ("on" if v is True else ("" if v is False else str(v)))
        )
        for key, spec in settings.declared().items()
    }
    for bad in ("-1", "366", "soon"):
        response = post_form(
            client,
            "/admin/settings",
            {**values, expiry.RENEWAL_NOTICE_DAYS.key: bad},
            page="/admin/settings",
        )
        assert "Nothing was saved" in response.get_data(as_text=True)
    post_form(
        client,
        "/admin/settings",
        {**values, expiry.RENEWAL_NOTICE_DAYS.key: "0"},
        page="/admin/settings",
    )
    g.pop("_charte_settings", None)
    assert expiry.renewal_days() == 0
