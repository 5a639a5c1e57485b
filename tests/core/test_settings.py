"""Instance settings: only admins change them, bad values change nothing, changes are audited."""

from __future__ import annotations

from sqlalchemy import select

from app.core import settings
from app.extensions import db
from app.models.audit import AuditEvent
from tests.conftest import post_form


def _form(**overrides):
    values = {
        key: (
            "\n".join(v)
            if isinstance(v := settings.get(spec), list)
            else ("on" if v is True else ("" if v is False else str(v)))
        )
        for key, spec in settings.declared().items()
    }
    values.update(overrides)
    return values


def test_admin_changes_the_organisation_name(client, auth, admin):
    auth.login(admin.email)
    response = post_form(
        client,
        "/admin/settings",
        _form(**{"organisation.name": "Acme SAS"}),
        page="/admin/settings",
        follow_redirects=True,
    )
    assert "Settings saved (1 changed)" in response.get_data(as_text=True)
    db.session.expire_all()
    from flask import g

    g.pop("_charte_settings", None)
    assert settings.get(settings.ORGANISATION_NAME) == "Acme SAS"
    assert settings.organisation_variables()["organisation_name"] == "Acme SAS"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "settings.changed"))
    assert event.target_id == "organisation.name"


def test_invalid_value_saves_nothing(client, auth, admin):
    auth.login(admin.email)
    response = post_form(
        client,
        "/admin/settings",
        _form(**{"organisation.name": "Acme", "organisation.escalation_email": "not an email"}),
        page="/admin/settings",
    )
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert settings.get(settings.ORGANISATION_NAME) != "Acme"


def test_hr_cannot_see_settings(client, auth, hr):
    auth.login(hr.email)
    assert client.get("/admin/settings").status_code == 403


def test_list_settings_are_one_per_line(app):
    assert settings.parse(settings.OFFICIAL_ACCOUNTS, "a\r\n\r\n b \n") == ["a", "b"]
