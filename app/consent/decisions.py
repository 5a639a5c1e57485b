"""Image-use consent decisions: record them (append-only) and derive the current state."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, Protocol

from flask_babel import gettext as _
from sqlalchemy import Integer, Select, bindparam, cast, func, select
from sqlalchemy.orm import joinedload

from app.consent import evidence
from app.core import audit, codes, hooks, statements, when
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.evidence import attachments, seals
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.consent import (
    ConsentDecision,
    ConsentEvent,
    ConsentPurpose,
    ConsentStatus,
    ConsentText,
    Medium,
)
from app.models.types import utcnow
from app.models.user import User

# Aliases of the status members (equal to the stored strings), kept for the callers.
GRANTED = ConsentStatus.GRANTED
REFUSED = ConsentStatus.REFUSED
REVOKED = ConsentStatus.REVOKED
EXPIRED = ConsentStatus.EXPIRED
NEVER = ConsentStatus.NEVER
STATES = tuple(ConsentStatus)

# The audit action of each decision (stored values: "consent.granted", ...).
DECISION_ACTIONS = {
    ConsentDecision.GRANTED: AuditAction.CONSENT_GRANTED,
    ConsentDecision.REFUSED: AuditAction.CONSENT_REFUSED,
    ConsentDecision.REVOKED: AuditAction.CONSENT_REVOKED,
}


class ConsentError(ValueError):
    """A decision cannot be recorded; the message says why."""


@dataclass(frozen=True)
class ConsentState:
    """Where one person stands for one purpose and medium, derived from their latest event."""

    status: str
    event: Any = None  # the latest ConsentEvent, None when never asked
    # False when the record behind this state fails its seal, or when the audit log names a
    # later decision of this person that is missing: the state must not be trusted.
    verified: bool = True

    @property
    def allowed(self) -> bool:
        """True when the image may be used today (never on a record that fails its check)."""
        return self.status == GRANTED and self.verified

    @property
    def valid_until(self) -> date | None:
        return self.event.valid_until if self.event is not None else None

    @property
    def since(self) -> date | None:
        """The day the state began (decision day, or the first day after a grant ended)."""
        if self.event is None:
            return None
        if self.status == EXPIRED:
            return date.fromordinal(self.event.valid_until.toordinal() + 1)
        return self.event.recorded_at.date()


NEVER_ASKED = ConsentState(NEVER)


def state_of(event: Any, today: date, verified: bool = True) -> ConsentState:
    """The state one latest event means on a given day ("expired" is derived, never stored)."""
    if event is None:
        return NEVER_ASKED if verified else ConsentState(NEVER, None, False)
    if event.decision == GRANTED and event.valid_until is not None and event.valid_until < today:
        return ConsentState(EXPIRED, event, verified)
    return ConsentState(event.decision, event, verified)


def current_state(
    events: Iterable[Any], today: date, missing_for: set[int] | frozenset[int] = frozenset()
) -> dict[tuple[int, int, str], ConsentState]:
    """Current state per (user, purpose, medium): the latest event (append order) wins.

    A state is unverified when its event fails its seal (cheap per-row MAC check) or when the
    person is in `missing_for` (the audit log names a decision of theirs that is gone).
    """
    latest: dict[tuple[int, int, str], Any] = {}
    for event in sorted(events, key=lambda e: e.id):
        latest[(event.user_id, event.purpose_id, event.medium)] = event
    return {
        key: state_of(event, today, event.user_id not in missing_for and _intact(event))
        for key, event in latest.items()
    }


def _intact(event: Any) -> bool:
    # Stored events are checked; plain stand-ins (pure-function callers) have no seal to check.
    return evidence.intact(event) if isinstance(event, ConsentEvent) else True


def people_missing_decisions(user_ids: Iterable[int]) -> set[int]:
    """People the audit log records a consent decision for that is no longer in the table.

    One indexed query; normally empty. Deleting a withdrawal would otherwise make a consent
    read "granted" again.
    """
    ids = list(user_ids)
    found: set[int] = set()
    if len(ids) == 1:  # "My image", on every view: the statement is built once
        found.update(statements.execute(_missing_decisions_of_one(), {"user_id": ids[0]}).scalars())
        return found
    for start in range(0, len(ids), 500):
        found.update(
            db.session.scalars(
                _missing_decisions(AuditEvent.subject_id.in_(ids[start : start + 500]))
            )
        )
    return found


def _missing_decisions(people) -> Select:
    return select(AuditEvent.subject_id).where(
        people,
        AuditEvent.action.in_([a.value for a in DECISION_ACTIONS.values()]),
        AuditEvent.target_type == "consent_event",
        ~select(ConsentEvent.id)
        .where(ConsentEvent.id == cast(AuditEvent.target_id, Integer))
        .exists(),
    )


@cache
def _missing_decisions_of_one() -> Select:
    return _missing_decisions(AuditEvent.subject_id == bindparam("user_id"))


def add_months(start: date, months: int) -> date:
    """The same day `months` later (clamped to the month's last day)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def latest_events_query(user_ids: Iterable[int] | None = None) -> Select:
    """The latest event of each (user, purpose, medium), optionally for some users only."""
    newest = select(func.max(ConsentEvent.id)).group_by(
        ConsentEvent.user_id, ConsentEvent.purpose_id, ConsentEvent.medium
    )
    if user_ids is not None:
        newest = newest.where(ConsentEvent.user_id.in_(list(user_ids)))
    return select(ConsentEvent).where(ConsentEvent.id.in_(newest.scalar_subquery()))


def states_for(user_ids: Iterable[int], today: date) -> dict[tuple[int, int, str], ConsentState]:
    """Current states of these users (one query)."""
    ids = list(user_ids)
    if not ids:
        return {}
    missing = people_missing_decisions(ids)
    states = current_state(db.session.scalars(latest_events_query(ids)), today, missing)
    return _UnverifiedDefault(states, missing)


def states_of_person(
    user_id: int, events: Iterable[ConsentEvent], today: date
) -> dict[tuple[int, int, str], ConsentState]:
    """`states_for([user_id], today)` from the person's events already loaded (their `history`):
    the latest event of each purpose and medium wins, as in `latest_events_query`."""
    missing = people_missing_decisions([user_id])
    return _UnverifiedDefault(current_state(events, today, missing), missing)


class _UnverifiedDefault(dict):
    """States per key; a person with a missing decision reads "unverified", never "never asked"."""

    def __init__(self, states: dict, missing: set[int]) -> None:
        super().__init__(states)
        self.missing = missing

    def get(self, key, default=None):  # type: ignore[override]
        if key not in self and isinstance(key, tuple) and key and key[0] in self.missing:
            return ConsentState(NEVER, None, False)
        return super().get(key, default)


def history(user_id: int) -> list[ConsentEvent]:
    """Every event of one person, newest first, with who recorded it (one query)."""
    return list(db.session.scalars(_history_statement(), {"user_id": user_id}))


@cache
def _history_statement() -> Select:
    # Built once: "My image" runs it on every view.
    return (
        select(ConsentEvent)
        .where(ConsentEvent.user_id == bindparam("user_id"))
        .options(joinedload(ConsentEvent.recorded_by))
        .order_by(ConsentEvent.id.desc())
    )


def event_for_user(event_id: int) -> ConsentEvent | None:
    """One event with everything a receipt prints, or None."""
    return db.session.scalar(
        select(ConsentEvent)
        .where(ConsentEvent.id == event_id)
        .options(
            joinedload(ConsentEvent.user),
            joinedload(ConsentEvent.recorded_by),
            joinedload(ConsentEvent.purpose),
            joinedload(ConsentEvent.text),
        )
    )


def event_by_code(code: str) -> ConsentEvent | None:
    """The event a verification code names, or None."""
    return db.session.scalar(
        select(ConsentEvent)
        .where(ConsentEvent.code == code)
        .options(
            joinedload(ConsentEvent.user),
            joinedload(ConsentEvent.purpose),
            joinedload(ConsentEvent.text),
        )
    )


@dataclass(frozen=True)
class Decision:
    """What a person (or HR from a paper form) decided."""

    user: User
    purpose: ConsentPurpose
    medium: str
    decision: str
    text: ConsentText
    valid_until: date | None = None
    paper_reference: str = ""
    scan: Any = None  # an attachments.Upload: the scanned paper form (on-behalf decisions only)


class _WithDuration(Protocol):
    @property
    def default_duration_months(self) -> int: ...


def max_until(purpose: _WithDuration, today: date) -> date:
    """The latest end date a grant may have: today plus the purpose's default duration (of a
    purpose row, or of the plain copy a page shows)."""
    return add_months(today, purpose.default_duration_months)


def _check(d: Decision, actor: User, today: date, latest_text_id: int | None) -> date | None:
    if d.decision not in DECISION_ACTIONS:
        raise ConsentError(_("Unknown decision."))
    if d.medium not in d.purpose.media_list:
        raise ConsentError(_("This purpose does not cover this medium."))
    if d.text.purpose_id != d.purpose.id or d.text.id != latest_text_id:
        raise ConsentError(
            _("The consent text has changed since the page was shown. Read it again and decide.")
        )
    if actor.id != d.user.id and not d.paper_reference.strip():
        raise ConsentError(_("The paper form reference is required."))
    if d.decision != GRANTED:
        return None
    if not d.purpose.active:
        raise ConsentError(_("This purpose is no longer in use."))
    if not d.user.active:
        raise ConsentError(_("This person has left: their consent cannot be extended."))
    longest = max_until(d.purpose, today)
    until = d.valid_until or longest
    if until < today or until > longest:
        raise ConsentError(
            _(
                "Choose an end date between today and %(date)s.",
                date=when.day(longest),
            )
        )
    return until


def _lock_person(user_id: int) -> None:
    """Queue decisions about one person until this transaction ends (PostgreSQL).

    Reading the latest event and appending the next must not interleave: two identical posts (a
    double click) would both see "nothing yet" and record twice, and a grant/revoke race would
    record "revoked" several times in a row. The person's row is the lock: FOR NO KEY UPDATE
    serialises writers about that person without blocking inserts that merely reference them.
    SQLite needs nothing here: state-changing requests already begin with BEGIN IMMEDIATE.
    """
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update(key_share=True))


def record_decision(
    d: Decision, *, actor: User, client: ClientInfo, now: datetime | None = None
) -> ConsentEvent | None:
    """Record one decision; None when it changes nothing (the same decision resubmitted).

    When the actor is not the person, the event is always marked as recorded on their behalf,
    with the paper form's reference: nobody can record a decision as if the person made it.
    """
    now = (now or utcnow()).astimezone(UTC)
    today = now.date()
    _lock_person(d.user.id)
    latest_text_id = db.session.scalar(
        select(ConsentText.id)
        .where(ConsentText.purpose_id == d.purpose.id, ConsentText.locale == d.text.locale)
        .order_by(ConsentText.version.desc())
        .limit(1)
    )
    until = _check(d, actor, today, latest_text_id)
    previous = state_of(
        db.session.scalar(
            select(ConsentEvent)
            .where(
                ConsentEvent.user_id == d.user.id,
                ConsentEvent.purpose_id == d.purpose.id,
                ConsentEvent.medium == d.medium,
            )
            .order_by(ConsentEvent.id.desc())
            .limit(1)
        ),
        today,
    )
    if _changes_nothing(previous, d, until):
        return None
    on_behalf = actor.id != d.user.id
    event = ConsentEvent(
        user_id=d.user.id,
        purpose_id=d.purpose.id,
        medium=d.medium,
        decision=d.decision,
        text_id=d.text.id,
        text_version=d.text.version,
        text_locale=d.text.locale,
        text_sha256=d.text.sha256,
        valid_from=today,
        valid_until=until,
        recorded_at=now,
        ip=client.ip,
        user_agent=(client.user_agent or "")[:512] or None,
        recorded_by_id=actor.id,
        on_behalf=on_behalf,
        paper_reference=d.paper_reference.strip()[:200] if on_behalf else None,
        code=codes.new_code(),
        holder_name=d.user.full_name,
        holder_email=d.user.email,
    )
    scans = []
    if on_behalf and d.scan is not None:
        scans.append(attachments.store(d.scan, person=d.user, actor=actor, now=now))
        event.attachment_id = scans[0].id
    seals.seal(evidence.EVENTS, event)
    db.session.add(event)
    db.session.flush()
    entry = audit.Entry(
        DECISION_ACTIONS[d.decision],
        actor=actor,
        subject=d.user,
        target_type="consent_event",
        target_id=event.id,
        details={
            "purpose": d.purpose.slug,
            "medium": d.medium,
            "valid_until": until.isoformat() if until else None,
            "text_version": d.text.version,
            "text_sha256": d.text.sha256,
            "on_behalf": on_behalf,
            "paper_reference": event.paper_reference,
            "attachment_sha256": d.scan.sha256 if on_behalf and d.scan is not None else None,
            **attachments.received_details(d.scan if on_behalf else None),
            "mac": event.mac,
            **seals.sealed_details((evidence.EVENTS, [event]), (attachments.SCANS, scans)),
        },
        client=client,
    )
    hooks.consent_decided.emit(previous, event)  # e.g. the webhook outbox, committed with it
    # The chain lock last, right before the commit: concurrent evidence writers wait the least.
    audit.record_many([entry])
    db.session.commit()
    hooks.after_consent_decided.emit(previous, event)  # e.g. publication reviews on withdrawal
    return event


def _changes_nothing(previous: ConsentState, d: Decision, until: date | None) -> bool:
    if d.decision == REVOKED:
        # Only a valid grant can be withdrawn; anything else already means "no".
        return previous.status != GRANTED
    if previous.status != d.decision:
        return False
    if d.decision == REFUSED:
        return True
    return previous.event.valid_until == until and previous.event.text_sha256 == d.text.sha256


def describe(state: ConsentState) -> str:
    """The state in words: "granted until DATE", "revoked on DATE", "never asked"…"""
    if state.status == GRANTED:
        return _("granted until %(date)s", date=when.day(state.valid_until))
    if state.status == REFUSED:
        return _("refused on %(date)s", date=when.day(state.since))
    if state.status == REVOKED:
        return _("revoked on %(date)s", date=when.day(state.since))
    if state.status == EXPIRED:
        return _("expired on %(date)s", date=when.day(state.since))
    return _("never asked")


def medium_label(medium: str) -> str:
    """ "photo" or "video" in the reader's language."""
    return _("Photo") if medium == Medium.PHOTO else _("Video")


def decision_label(decision: str) -> str:
    """A recorded decision in the reader's language."""
    return {
        ConsentDecision.GRANTED: _("Granted"),
        ConsentDecision.REFUSED: _("Refused"),
        ConsentDecision.REVOKED: _("Revoked"),
    }.get(decision, decision)


def status_choices() -> list[tuple[str, str]]:
    """(value, label) of every status, in the reader's language (the register's filter)."""
    labels = {
        ConsentStatus.GRANTED: _("Granted"),
        ConsentStatus.REFUSED: _("Refused"),
        ConsentStatus.REVOKED: _("Revoked"),
        ConsentStatus.EXPIRED: _("Expired"),
        ConsentStatus.NEVER: _("Never asked"),
    }
    return [(status.value, labels[status]) for status in ConsentStatus]


def medium_choices() -> list[tuple[str, str]]:
    """(value, label) of every medium, in the reader's language."""
    return [(medium.value, medium_label(medium)) for medium in Medium]


# The badge class of each status (consent/_state.html).
STATUS_BADGES = {
    ConsentStatus.GRANTED.value: "badge-ok",
    ConsentStatus.REFUSED.value: "badge-muted",
    ConsentStatus.REVOKED.value: "badge-bad",
    ConsentStatus.EXPIRED.value: "badge-warn",
    ConsentStatus.NEVER.value: "badge-muted",
}
