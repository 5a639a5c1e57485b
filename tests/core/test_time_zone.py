"""Times in the organisation's time zone (a setting, Europe/Paris by default); evidence in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

import flask_babel
import pytest
from flask_babel import force_locale

from app.core import settings, when
from app.core.client import ClientInfo

LATE_SIGNATURE = datetime(2026, 11, 29, 23, 14, 5, tzinfo=UTC)  # 00:14 on the 30th in Paris


def test_the_default_zone_is_paris(app):
    assert when.TIME_ZONE.key in settings.declared()
    assert settings.get(when.TIME_ZONE) == "Europe/Paris"
    assert str(flask_babel.get_timezone()) == "Europe/Paris"


def test_a_signature_at_00_14_in_paris_is_dated_the_30th(app):
    with force_locale("fr"):
        assert when.day(LATE_SIGNATURE) == "30 novembre 2026"
        assert "00:14" in when.moment(LATE_SIGNATURE)
        assert when.utc_moment(LATE_SIGNATURE) == "29 nov. 2026, 23:14:05 UTC"
        both = when.moment_with_utc(LATE_SIGNATURE)
        assert "30 novembre 2026" in both and "Europe/Paris" in both and "23:14:05 UTC" in both
        # SQLite gives naive UTC datetimes: read as UTC too.
        assert when.day(LATE_SIGNATURE.replace(tzinfo=None)) == "30 novembre 2026"
        # A day (a deadline) is not moved.
        assert when.day(date(2029, 11, 29)) == "29 novembre 2029"


def test_an_admin_may_choose_another_zone(app, admin):
    settings.update(
        {when.TIME_ZONE.key: "America/Montreal"}, actor=admin, client=ClientInfo.system()
    )
    flask_babel.refresh()
    with force_locale("fr"):
        assert when.day(LATE_SIGNATURE) == "29 novembre 2026"
        assert "18:14" in when.moment(LATE_SIGNATURE)


@pytest.mark.parametrize("raw", ["Mars/Olympus", "", "Paris"])
def test_unknown_zones_are_refused(app, raw):
    with pytest.raises(settings.SettingError):
        settings.parse(when.TIME_ZONE, raw)


def test_numbers_follow_the_locale(app):
    with force_locale("fr"):
        assert when.decimal(4 / 3) == "1,33"
        assert when.uses_decimal_comma()
    with force_locale("en"):
        assert when.decimal(4 / 3) == "1.33"
        assert not when.uses_decimal_comma()


def test_the_settings_page_offers_the_zones(client, auth, admin):
    auth.login(admin.email)
    page = client.get("/admin/settings").get_data(as_text=True)
    assert 'name="organisation.time_zone"' in page
    assert "<option selected>Europe/Paris</option>" in page
