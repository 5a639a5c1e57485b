"""Retention: pseudonymise the records of people who left more than N years ago.

Evidence stays verifiable: audit entries and version 2 signatures and consent decisions seal
their personal fields under a salted digest, so blanking the fields leaves every MAC and the hash
chain intact. Version 1 rows (sealed before digests existed) are checked, then resealed once
(MAC over the digest of their original values); the "retention.purged" audit entry records the
MAC before and after, so `flask audit verify` can still tie them to their original audit entries.
"""

from __future__ import annotations

import calendar
import secrets
from datetime import date, datetime

from sqlalchemy import delete, or_, select, text, update
from sqlalchemy.orm import selectinload

from app.consent import evidence
from app.core import audit, settings
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.evidence import personal
from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.audit import AuditEvent
from app.models.consent import ConsentEvent
from app.models.privacy import RetentionPurge
from app.models.types import utcnow
from app.models.user import User, UserSession, new_session_token
from app.policy import signing
from app.privacy.processing import RETENTION_YEARS


class RetentionError(RuntimeError):
    """A record failed its check before the purge: nothing was changed for that person."""


def _years_later(day: date, years: int) -> date:
    year = day.year + years
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def due(today: date) -> list[User]:
    """People deactivated more than the retention period ago and not yet pseudonymised."""
    years = settings.get(RETENTION_YEARS)
    purged = select(RetentionPurge.user_id)
    candidates = db.session.scalars(
        select(User)
        .where(User.active.is_(False), User.deactivated_at.is_not(None), User.id.not_in(purged))
        .order_by(User.id)
    )
    return [u for u in candidates if _years_later(u.deactivated_at.date(), years) < today]


def _blank_acknowledgements(user: User) -> tuple[int, dict[str, list[str]]]:
    resealed: dict[str, list[str]] = {}
    rows = db.session.scalars(
        select(Acknowledgement)
        .where(Acknowledgement.user_id == user.id)
        .options(selectinload(Acknowledgement.policy_version))
    ).all()
    for ack in rows:
        version = ack.policy_version.version
        if not signing.intact(ack, version):
            raise RetentionError(f"acknowledgement id={ack.id} fails its MAC check")
        if ack.mac_version < personal.MAC_V2:
            before = ack.mac
            personal.seal(ack, signing.personal_fields(ack))
            ack.mac = signing.compute_mac(ack, version)
            resealed[str(ack.id)] = [before, ack.mac]
        ack.ip, ack.user_agent, ack.typed_name = None, None, ""
    return len(rows), resealed


def _blank_consent_events(user: User) -> tuple[int, dict[str, list[str]]]:
    resealed: dict[str, list[str]] = {}
    rows = db.session.scalars(select(ConsentEvent).where(ConsentEvent.user_id == user.id)).all()
    for event in rows:
        if not evidence.intact(event):
            raise RetentionError(f"consent event id={event.id} fails its MAC check")
        if event.mac_version < personal.MAC_V2:
            before = event.mac
            personal.seal(event, evidence.personal_fields(event))
            event.mac = evidence.event_mac(event)
            resealed[str(event.id)] = [before, event.mac]
        event.ip, event.user_agent = None, None
    return len(rows), resealed


def purge_person(user: User, *, years: int, client: ClientInfo, now: datetime) -> RetentionPurge:
    """Pseudonymise one person in one transaction, audited as "retention.purged"."""
    if db.session.get_bind().dialect.name == "postgresql":
        # The evidence trigger lets personal columns change only inside this transaction.
        db.session.execute(text("SET LOCAL charte.retention = 'on'"))
    acks, acks_resealed = _blank_acknowledgements(user)
    events, events_resealed = _blank_consent_events(user)
    db.session.flush()
    blanked = db.session.execute(
        update(AuditEvent)
        .where(or_(AuditEvent.actor_id == user.id, AuditEvent.subject_id == user.id))
        .where(or_(AuditEvent.ip.is_not(None), AuditEvent.user_agent.is_not(None)))
        .values(ip=None, user_agent=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    pseudonym = f"former-{secrets.token_hex(5)}"
    user.full_name = pseudonym
    user.email = f"{pseudonym}@invalid.invalid"
    user.job_title = ""
    user.password_hash = None
    user.session_token = new_session_token()
    # Its sign-in sessions hold IP addresses and browsers too (and serve nothing any more).
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    purge = RetentionPurge(
        user_id=user.id,
        purged_at=now,
        pseudonym=pseudonym,
        retention_years=years,
        acknowledgements=acks,
        consent_events=events,
        audit_events=blanked,
    )
    db.session.add(purge)
    db.session.flush()
    audit.record(
        AuditAction.RETENTION_PURGED,
        actor=None,
        subject=user,
        target_type="user",
        target_id=user.id,
        details={
            "pseudonym": pseudonym,
            "retention_years": years,
            "deactivated_at": user.deactivated_at.isoformat(),
            "fields": {
                "user": ["full_name", "email", "job_title", "password_hash"],
                "acknowledgement": ["ip", "user_agent", "typed_name"],
                "consent_event": ["ip", "user_agent"],
                "audit_event": ["ip", "user_agent"],
            },
            "counts": {"acknowledgement": acks, "consent_event": events, "audit_event": blanked},
            "resealed": {"acknowledgement": acks_resealed, "consent_event": events_resealed},
        },
        client=client,
    )
    db.session.commit()
    return purge


def apply(today: date | None = None, *, client: ClientInfo | None = None) -> list[RetentionPurge]:
    """Pseudonymise everyone due (one transaction per person); returns the purges done."""
    now = utcnow()
    today = today or now.date()
    years = settings.get(RETENTION_YEARS)
    done = []
    for user in due(today):
        try:
            done.append(
                purge_person(user, years=years, client=client or ClientInfo.system(), now=now)
            )
        except RetentionError:
            db.session.rollback()
            raise
    return done
