"""Consents that run out: announce each expiry once, and ask people to renew before it.

Run by the `consents` job of `flask worker` (and `flask jobs run consents`). "Expired" is never
stored (consent.decisions derives it from valid_until), so the job looks for grants whose end
has passed and that were not announced yet; a `consent_notice` row per (event, kind), inserted
with ON CONFLICT DO NOTHING before anything is sent, is what makes each announcement happen
once, whatever the number of runs or hosts.

- "expired": `hooks.consent_expired` with the live publications the expiry leaves to take down
  (the asset.takedown_required webhook and the in-app notice to communications subscribe).
- "renewal": the person is mailed once per consent ending within `consent.renewal_notice_days`
  (0: never), with a link to "My image"; the in-app notice comes from the `notices` job.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.consent import decisions, texts
from app.consent.assets import takedown
from app.consent.assets.announce import locale_of
from app.core import hooks, settings, when
from app.core.mail import mail_configured, send_mail
from app.extensions import db
from app.models.consent import ConsentEvent, ConsentNotice
from app.models.types import utcnow
from app.models.user import User
from app.web import public_url

log = logging.getLogger(__name__)

EXPIRED, RENEWAL = "expired", "renewal"

RENEWAL_NOTICE_DAYS = settings.SettingSpec(
    key="consent.renewal_notice_days",
    kind="int",
    default=30,
    label=_l("Ask people to renew a consent this many days before it ends (0: never)"),
    section=_l("Image consent"),
    help=_l("In the app, and by email when mail is configured; once per consent."),
    minimum=0,
    maximum=365,
)


@dataclass(frozen=True)
class Report:
    expired: int
    takedowns: int
    renewals_mailed: int
    renewals_failed: int

    def summary(self) -> str:
        return (
            f"expired consents announced: {self.expired} ({self.takedowns} publication(s) "
            f"to take down), renewal requests mailed: {self.renewals_mailed}"
            + (f", failed: {self.renewals_failed}" if self.renewals_failed else "")
        )


def renewal_days() -> int:
    """How many days ahead a renewal is asked for (0: never)."""
    return max(0, int(settings.get(RENEWAL_NOTICE_DAYS) or 0))


def _insert():
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(ConsentNotice).on_conflict_do_nothing(index_elements=["event_id", "kind"])


def claim(event_id: int, kind: str) -> bool:
    """Record that this event is announced for this reason; False when it already was."""
    result = db.session.execute(_insert().values(event_id=event_id, kind=kind, sent_at=utcnow()))
    return bool(getattr(result, "rowcount", 0))


def _unannounced(kind: str):
    done = select(ConsentNotice.id).where(
        ConsentNotice.event_id == ConsentEvent.id, ConsentNotice.kind == kind
    )
    return (
        decisions.latest_events_query()
        .where(ConsentEvent.decision == decisions.GRANTED, ~done.exists())
        .order_by(ConsentEvent.id)
    )


def newly_expired(today: date) -> list[ConsentEvent]:
    """Latest grants that ended before today and were never announced as expired."""
    return list(
        db.session.scalars(
            _unannounced(EXPIRED).where(
                ConsentEvent.valid_until.is_not(None), ConsentEvent.valid_until < today
            )
        )
    )


def announce_expiries(today: date) -> tuple[int, int]:
    """Announce each newly expired grant once (one transaction each); (consents, publications)."""
    events = newly_expired(today)
    if not events:
        return 0, 0
    # One pass over the "to take down" list (it costs what is on it), grouped by the grant
    # that ended: cheaper than asking per person when a backlog of expiries is announced.
    pending: dict[int, dict[int, Any]] = defaultdict(dict)
    for item in takedown.items(today):
        if item.state.event is not None:
            pending[item.state.event.id][item.publication.id] = item.publication
    consents = publications = 0
    for event in events:
        if not claim(event.id, EXPIRED):
            db.session.rollback()
            continue
        pubs = list(pending.get(event.id, {}).values())
        hooks.consent_expired.emit(event, pubs)
        db.session.commit()
        consents += 1
        publications += len(pubs)
    return consents, publications


def ending_soon(today: date, days: int) -> dict[int, list[ConsentEvent]]:
    """Active people's latest grants ending within `days` not yet mailed about, per person."""
    rows = db.session.scalars(
        _unannounced(RENEWAL)
        .join(User, User.id == ConsentEvent.user_id)
        .where(
            User.active.is_(True),
            ConsentEvent.valid_until.is_not(None),
            ConsentEvent.valid_until >= today,
            ConsentEvent.valid_until <= today + timedelta(days=days),
        )
    )
    found: dict[int, list[ConsentEvent]] = defaultdict(list)
    for event in rows:
        found[event.user_id].append(event)
    return found


def _renewal_mail(person: User, events: list[ConsentEvent]) -> tuple[str, str]:
    locale = locale_of(person)
    titles = texts.titles(locale)
    with force_locale(locale):
        lines = "\n".join(
            "- "
            + _(
                "“%(purpose)s” (%(medium)s): until %(date)s",
                purpose=titles.get(e.purpose_id, "?"),
                medium=decisions.medium_label(e.medium),
                date=when.day(e.valid_until),
            )
            for e in sorted(events, key=lambda e: (e.valid_until, e.purpose_id, e.medium))
        )
        subject = ngettext(
            "Your image consent ends soon", "Your image consents end soon", len(events)
        )
        body = _(
            "Hello %(name)s,\n\nThese image-use consents end soon:\n\n%(lines)s\n\n"
            "If you agree to go on, renew them on your consent page; if you do nothing, they "
            "end on that day.\n\n%(link)s\n",
            name=person.full_name,
            lines=lines,
            link=public_url("consent.my_image"),
        )
    return subject, body


def request_renewals(today: date) -> tuple[int, int]:
    """Mail each person once per consent ending soon (when mail and links are set up);
    (people mailed, people whose mail failed: retried at the next run)."""
    days = renewal_days()
    if not days or not mail_configured() or not current_app.config.get("CHARTE_BASE_URL"):
        return 0, 0
    mailed = failed = 0
    for user_id, events in ending_soon(today, days).items():
        person = db.session.get(User, user_id)
        fresh = [e for e in events if claim(e.id, RENEWAL)]
        if person is None or not fresh:
            db.session.rollback()
            continue
        subject, body = _renewal_mail(person, fresh)
        try:
            send_mail(person.email, subject, body)
        except OSError:
            db.session.rollback()  # not claimed: asked again at the next run
            log.exception("Could not mail a renewal request to person %s", user_id)
            failed += 1
            continue
        db.session.commit()
        mailed += 1
    return mailed, failed


def run(today: date) -> Report:
    """The `consents` job: expiries announced, renewal requests mailed (idempotent)."""
    expired, pubs = announce_expiries(today)
    mailed, failed = request_renewals(today)
    if failed:
        raise RuntimeError(Report(expired, pubs, mailed, failed).summary())
    return Report(expired, pubs, mailed, 0)
