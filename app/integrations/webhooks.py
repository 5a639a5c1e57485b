"""Webhooks: endpoints the admin registers, and `emit`, which writes the outbox in the caller's
transaction so that an event is sent if and only if what it reports was committed.

Areas that own an event call `webhooks.emit(event_type, payload)` before their commit (see
webhook_events.py); `flask webhooks deliver` sends the rows later (delivery.py), to addresses
checked by outbound.py at registration and again before each delivery.
"""

from __future__ import annotations

import json
import logging
import secrets
import uuid
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.orm import joinedload

from app.core import audit
from app.core.audit import canonical_json
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.extensions import db
from app.integrations import outbound
from app.models.types import utcnow
from app.models.user import User
from app.models.webhook import EVENTS, PENDING, WebhookDelivery, WebhookEndpoint

RECENT_DELIVERIES = 50
log = logging.getLogger(__name__)


class WebhookError(ValueError):
    """The endpoint cannot be registered; the message says why."""


def refused_message() -> str:
    """The one message for any address refused, whatever the reason: telling "does not
    resolve" from "resolves to a private address" would let an admin map the internal network."""
    return _(
        "This address cannot receive webhooks. Use an https:// address of a server reachable "
        "on the internet."
    )


def check_url(url: str) -> str:
    """Accept only https:// to public addresses (and loopback when WEBHOOKS_ALLOW_HTTP_LOOPBACK
    is on, for tests); the host is resolved now, and again before every delivery."""
    url = url.strip()
    try:
        outbound.check(url, allow_loopback=allow_loopback())
    except outbound.RefusedDestination as exc:
        log.warning("webhook address refused: %r (%s)", url[:500], exc)
        raise WebhookError(refused_message()) from exc
    return url


def allow_loopback() -> bool:
    """WEBHOOKS_ALLOW_HTTP_LOOPBACK: tests and local development only (production refuses it)."""
    return bool(current_app.config.get("WEBHOOKS_ALLOW_HTTP_LOOPBACK"))


def register(
    url: str, events: list[str], *, actor: User, client: ClientInfo
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its signing secret (shown to the admin once)."""
    url = check_url(url)
    chosen = [e for e in EVENTS if e in set(events)]
    if not chosen or len(chosen) != len(set(events)):
        raise WebhookError(_("Choose at least one event."))
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(
        url=url, events=" ".join(chosen), secret=secret, created_by_id=actor.id
    )
    db.session.add(endpoint)
    db.session.flush()
    audit.record(
        AuditAction.WEBHOOK_REGISTERED,
        actor=actor,
        target_type="webhook_endpoint",
        target_id=endpoint.id,
        details={"url": url, "events": chosen},
        client=client,
    )
    db.session.commit()
    return endpoint, secret


def disable(endpoint_id: int, *, actor: User, client: ClientInfo) -> bool:
    """Stop sending to an endpoint (its past deliveries stay listed); False if nothing to do."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.disabled_at is not None:
        return False
    endpoint.disabled_at = utcnow()
    audit.record(
        AuditAction.WEBHOOK_DISABLED,
        actor=actor,
        target_type="webhook_endpoint",
        target_id=endpoint.id,
        details={"url": endpoint.url},
        client=client,
    )
    db.session.commit()
    return True


def endpoints() -> list[WebhookEndpoint]:
    """Every endpoint, newest first."""
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id.desc())))


def recent_deliveries(limit: int = RECENT_DELIVERIES) -> list[WebhookDelivery]:
    """The latest deliveries with their endpoint (one query)."""
    return list(
        db.session.scalars(
            select(WebhookDelivery)
            .options(joinedload(WebhookDelivery.endpoint))
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


def emit(event_type: str, payload: dict[str, Any], now: datetime | None = None) -> int:
    """Queue an event for every endpoint subscribed to it, in the caller's transaction.

    The caller commits (so the event leaves only if its cause is saved); nothing is sent here,
    so the request that caused the event never waits for a receiver. Returns the rows written.
    """
    if event_type not in EVENTS:
        raise ValueError(f"unknown webhook event {event_type}")
    now = now or utcnow()
    targets = [
        endpoint_id
        for endpoint_id, events in db.session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.events).where(
                WebhookEndpoint.disabled_at.is_(None)
            )
        )
        if event_type in events.split()
    ]
    if not targets:
        return 0
    event_id = str(uuid.uuid4())
    body = canonical_json(
        {"id": event_id, "type": event_type, "created_at": _iso(now), "data": payload}
    )
    db.session.execute(
        insert(WebhookDelivery),
        [
            {
                "endpoint_id": endpoint_id,
                "event_id": event_id,
                "event_type": event_type,
                "body": body,
                "created_at": now,
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
            }
            for endpoint_id in targets
        ],
    )
    return len(targets)


def forget_person(user: User, *, former_email: str) -> dict[str, int] | None:
    """Retention purge: take the person's email out of every outbox body that names them.

    Bodies keep the email while the person is known because receivers look people up by it
    (the API names employees by email or external id); after a purge the outbox, pending or
    delivered, holds no email of theirs. A pending delivery then leaves with "email": null.
    """
    if not former_email:
        return None
    changed = 0
    rows = db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.body.contains(former_email, autoescape=True))
    )
    for delivery in rows:
        body = json.loads(delivery.body)
        if _scrub_email(body, user.id, former_email):
            delivery.body = canonical_json(body)
            changed += 1
    return {"webhook_delivery": changed}


def _scrub_email(value: Any, user_id: int, email: str) -> bool:
    """Blank `email` wherever an object names this person (by id or by that email)."""
    found = False
    if isinstance(value, dict):
        if value.get("email") == email and value.get("id", user_id) == user_id:
            value["email"] = None
            found = True
        for child in value.values():
            found = _scrub_email(child, user_id, email) or found
    elif isinstance(value, list):
        for child in value:
            found = _scrub_email(child, user_id, email) or found
    return found


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
