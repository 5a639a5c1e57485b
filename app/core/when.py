"""Dates, times and numbers for people: Babel, in the reader's locale and the organisation's zone.

Evidence is stored in UTC. Pages and documents show it in the organisation's time zone (the
`organisation.time_zone` setting, Europe/Paris unless an admin chose another), and, where a
time is evidence (receipts, verification pages), in UTC as well. Flask-Babel's own filters
(`dateformat`, `datetimeformat`) already convert to that zone through `select_timezone`; this
module adds the few forms the pages need on top of them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, available_timezones

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import Flask, current_app, has_app_context
from flask_babel import format_date, format_datetime, format_decimal, get_locale, get_timezone
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from app.core import settings
from app.extensions import db

DEFAULT_TIME_ZONE = "Europe/Paris"


def select_timezone() -> str:
    """The organisation's time zone (the admin setting), for Flask-Babel."""
    if not has_app_context():
        return DEFAULT_TIME_ZONE
    try:
        zone = settings.get(TIME_ZONE)
    except SQLAlchemyError:
        db.session.rollback()  # the database is down: an error page must still render
        return current_app.config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_TIME_ZONE
    try:
        ZoneInfo(zone)  # cached by zoneinfo: no file read after the first time
    except (ValueError, KeyError, OSError):
        return DEFAULT_TIME_ZONE
    return zone


_ZONES: list[str] = []


def time_zones() -> list[str]:
    """The IANA zone names an admin may choose from (sorted; Etc/ and legacy aliases left out)."""
    if not _ZONES:
        _ZONES.extend(
            sorted(
                zone
                for zone in available_timezones()
                if zone == "UTC" or ("/" in zone and not zone.startswith(("Etc/", "SystemV/")))
            )
        )
    return _ZONES


def zone_choices(current: str) -> list[str]:
    """The zones to offer on the settings page, with the current one even if it is unusual."""
    zones = time_zones()
    return zones if current in zones else sorted([*zones, current])


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def day(value: date | datetime | None, fmt: str = "long") -> str:
    """A day in words ("29 novembre 2029"); a time stamp is first moved into the organisation's
    zone, so a 00:14 Paris signature is dated the 30th, not the 29th."""
    if value is None:
        return ""
    return format_date(value, fmt)


def moment(value: datetime | None, fmt: str = "medium") -> str:
    """A date and time in the organisation's time zone, in the reader's language."""
    if value is None:
        return ""
    return format_datetime(_aware(value), fmt)


def utc_moment(value: datetime | None) -> str:
    """The same instant in UTC, in the reader's language, marked "UTC" (for evidence)."""
    if value is None:
        return ""
    text = babel_dates.format_datetime(
        _aware(value).astimezone(UTC), "medium", tzinfo=ZoneInfo("UTC"), locale=get_locale()
    )
    return f"{text} UTC"


def moment_with_utc(value: datetime | None, fmt: str = "long") -> str:
    """Local time with the zone named, then UTC: "30 novembre 2026 à 00:14:05 (Europe/Paris) ·
    29 nov. 2026, 23:14:05 UTC". Used where a time is evidence."""
    if value is None:
        return ""
    return f"{moment(value, fmt)} ({get_timezone()}) · {utc_moment(value)}"


def decimal(value: float | int | None, digits: int = 2) -> str:
    """A number in the reader's locale (1,33 in French), at most `digits` decimals."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0." + "#" * digits if digits else "#,##0")


def uses_decimal_comma() -> bool:
    """Whether the reader's locale writes 1,5 (then spreadsheets expect ";" between cells)."""
    return babel_numbers.get_decimal_symbol(get_locale()) == ","


TIME_ZONE = settings.SettingSpec(
    "organisation.time_zone",
    "timezone",
    DEFAULT_TIME_ZONE,
    _l("Time zone"),
    settings.ORGANISATION,
    _l(
        "Dates and times on pages and documents are shown in this time zone. "
        "Evidence is stored in UTC; receipts show both."
    ),
)


def init_app(app: Flask) -> None:
    """Template filters: day, moment, moment_with_utc, utc_moment, decimal."""
    app.add_template_filter(day, "day")
    app.add_template_filter(moment, "moment")
    app.add_template_filter(utc_moment, "utc_moment")
    app.add_template_filter(moment_with_utc, "moment_with_utc")
    app.add_template_filter(decimal, "decimal")
