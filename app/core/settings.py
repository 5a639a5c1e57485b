"""Typed instance settings: each area declares its own, the admin page lists them all.

Define a setting next to the code that uses it:

    ALLOW_EARLY = settings.SettingSpec(
        key="signing.allow_before_completion", kind="bool", default=False,
        label=_l("Allow signing before the required modules are completed"), section=_l("Policy"))

declare it from the area's `init_app` with `settings.declare(app, ALLOW_EARLY)` (the admin page
lists what is declared on the app), and read it with `settings.get(ALLOW_EARLY)` (one query per
request for all settings, cached on g).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from zoneinfo import available_timezones

from flask import Flask, current_app, g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core import audit, process_cache
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.extensions import db
from app.models.setting import Setting
from app.models.user import User

KINDS = {"text", "textarea", "bool", "int", "email", "list", "timezone"}


@dataclass(frozen=True)
class SettingSpec:
    """A setting's key, type, default and how the admin page presents it."""

    key: str
    kind: str
    default: Any
    label: Any
    section: Any
    help: Any = ""
    minimum: int | None = None
    maximum: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown setting kind {self.kind}")


EXTENSION_KEY = "charte.settings"


def declare(app: Flask, *specs: SettingSpec) -> None:
    """Make settings editable on the admin page of this app (idempotent for the same key)."""
    declared_on_app = app.extensions.setdefault(EXTENSION_KEY, {})
    for spec in specs:
        declared_on_app[spec.key] = spec


def declared() -> dict[str, SettingSpec]:
    """Every setting the current app's areas declared, by key, in declaration order."""
    return current_app.extensions.get(EXTENSION_KEY, {})


class SettingError(ValueError):
    """A value the admin typed is not acceptable; the message says why."""


def _stored() -> dict[str, Any]:
    cache = g.get("_charte_settings") if has_app_context() else None
    if cache is None:
        # Per process for a few seconds (app/core/process_cache.py), dropped when a setting
        # changes; a copy per request, so that nothing a request does leaks into the cache.
        cache = dict(process_cache.cached("settings", ["setting"], _read_all))
        if has_app_context():
            g._charte_settings = cache
    return cache


def _read_all() -> dict[str, Any]:
    return {
        key: json.loads(value)
        for key, value in db.session.execute(select(Setting.key, Setting.value))
    }


def get(spec: SettingSpec) -> Any:
    """The current value of a setting, or its default (a callable default is called)."""
    stored = _stored()
    if spec.key in stored:
        return stored[spec.key]
    return spec.default() if callable(spec.default) else spec.default


def organisation_variables() -> dict[str, str]:
    """The values that module and policy texts may use as {{ variables }}."""
    stored = _stored()
    # A page fills thirty-odd titles: work the values out once per set of stored settings (the
    # request's copy, replaced when a setting is saved), not once per title.
    found = g.get("_charte_organisation_variables") if has_app_context() else None
    if found is not None and found[0] is stored:
        return dict(found[1])
    variables = {
        "organisation_name": get(ORGANISATION_NAME),
        "communications_contact": get(COMMUNICATIONS_CONTACT),
        "escalation_email": get(ESCALATION_EMAIL),
        "official_accounts": ", ".join(get(OFFICIAL_ACCOUNTS)),
        "approved_platforms": ", ".join(get(APPROVED_PLATFORMS)),
    }
    if has_app_context():
        g._charte_organisation_variables = (stored, variables)
    return dict(variables)


def parse(spec: SettingSpec, raw: str | None) -> Any:
    """Turn what the admin typed into a value of the setting's kind, or raise SettingError."""
    raw = (raw or "").strip()
    if spec.kind == "bool":
        return raw in {"1", "true", "on", "yes", "y"}
    if spec.kind == "int":
        try:
            number = int(raw)
        except ValueError as exc:
            raise SettingError(_l("“%(label)s” must be a whole number.", label=spec.label)) from exc
        if (spec.minimum is not None and number < spec.minimum) or (
            spec.maximum is not None and number > spec.maximum
        ):
            raise SettingError(
                _l(
                    "“%(label)s” must be between %(lo)s and %(hi)s.",
                    label=spec.label,
                    lo=spec.minimum,
                    hi=spec.maximum,
                )
            )
        return number
    if spec.kind == "timezone":
        if raw not in available_timezones():
            raise SettingError(
                _l("“%(label)s” must be a time zone from the list.", label=spec.label)
            )
        return raw
    if spec.kind == "list":
        return [item.strip() for item in raw.replace("\r", "").split("\n") if item.strip()]
    if spec.kind == "email" and raw and ("@" not in raw or " " in raw):
        raise SettingError(_l("“%(label)s” must be an email address.", label=spec.label))
    if len(raw) > 2000:
        raise SettingError(_l("“%(label)s” is too long.", label=spec.label))
    return raw


def update(values: dict[str, Any], *, actor: User, client: ClientInfo) -> list[str]:
    """Store changed values (already parsed) and audit each change; return the changed keys."""
    changed = []
    current = _stored()
    for key, value in values.items():
        spec = declared()[key]
        before = current[key] if key in current else get(spec)
        if before == value:
            continue
        row = db.session.get(Setting, key)
        if row is None:
            row = Setting(key=key, value="null")
            db.session.add(row)
        row.value = json.dumps(value, ensure_ascii=False)
        row.updated_by_id = actor.id
        audit.record(
            AuditAction.SETTINGS_CHANGED,
            actor=actor,
            target_type="setting",
            target_id=key,
            details={"from": before, "to": value},
            client=client,
        )
        changed.append(key)
    db.session.commit()
    if has_app_context():
        g.pop("_charte_settings", None)
    return changed


ORGANISATION = _l("Organisation")
ORGANISATION_NAME = SettingSpec(
    "organisation.name",
    "text",
    lambda: current_app.config["CHARTE_ORGANISATION_NAME"],
    _l("Organisation name"),
    ORGANISATION,
    _l("Shown in the modules, the policy, certificates and receipts."),
)
COMMUNICATIONS_CONTACT = SettingSpec(
    "organisation.communications_contact",
    "text",
    # Only the address: the policy already writes "the communications team (…)" around it, and
    # the modules write "ask …" before it; a team name here would be said twice.
    "communication@example.com",
    _l("Communications contact"),
    ORGANISATION,
    _l(
        "Who employees ask before speaking about the organisation online: an email address, "
        "or a person's name with their address. The policy writes it after “the communications "
        "team”, so do not repeat the team's name."
    ),
)
ESCALATION_EMAIL = SettingSpec(
    "organisation.escalation_email",
    "email",
    "alerte@example.com",
    _l("Escalation address"),
    ORGANISATION,
    _l("Where employees report a crisis, a threat or a leak."),
)
OFFICIAL_ACCOUNTS = SettingSpec(
    "organisation.official_accounts",
    "list",
    ["LinkedIn : Charte Demo SA", "Instagram : @chartedemo"],
    _l("Official accounts"),
    ORGANISATION,
    _l("One per line."),
)
APPROVED_PLATFORMS = SettingSpec(
    "organisation.approved_platforms",
    "list",
    ["LinkedIn", "Instagram", "YouTube"],
    _l("Approved platforms"),
    ORGANISATION,
    _l("One per line."),
)
