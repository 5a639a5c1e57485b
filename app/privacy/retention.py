"""Retention: pseudonymise the records of people who left more than N years ago.

Evidence stays verifiable: audit entries and version 2 signatures and consent decisions seal
their personal fields under a salted digest, so blanking the fields leaves every MAC and the hash
chain intact. Version 1 rows (sealed before digests existed) are checked, then resealed once
(MAC over the digest of their original values); the "retention.purged" audit entry records the
MAC before and after, so `flask audit verify` can still tie them to their original audit entries.

A purge is itself sealed evidence: its retention_purge row names every row and field it blanked
and carries a MAC, and its audit entry repeats that MAC. `flask audit verify` accepts a blank
personal field only where such a purge names it (app/evidence/personal.py). Certificates keep
the pseudonym as holder name (so a regenerated PDF and /verify never show the real name again),
and other areas forget the person through `hooks.person_pseudonymised` (the webhook outbox).
"""

from __future__ import annotations

import calendar
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, or_, select, text, update
from sqlalchemy.orm import selectinload

from app.consent import evidence
from app.core import audit, hooks, settings
from app.core.audit import canonical_json
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.evidence import personal
from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.audit import AuditEvent
from app.models.certificate import Certificate
from app.models.consent import ConsentEvent
from app.models.privacy import RetentionPurge
from app.models.types import utcnow
from app.models.user import User, UserSession, new_session_token
from app.people import step_up
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


# What a purge blanks, per table (certificate: the holder's name becomes the pseudonym).
FIELDS = {
    "acknowledgement": ["ip", "user_agent", "typed_name", "signer_name", "signer_email"],
    "consent_event": ["ip", "user_agent", "holder_name", "holder_email"],
    "audit_event": ["ip", "user_agent"],
    "certificate": ["holder_name"],
}
USER_FIELDS = ["full_name", "email", "job_title", "password_hash"]
_CHUNK = 500


@dataclass
class _Records:
    """Everything of one person a purge will blank, checked before anything changes."""

    acknowledgements: list[Acknowledgement]
    consent_events: list[ConsentEvent]
    certificates: list[Certificate]
    audit_event_ids: list[int]

    def blanked(self) -> dict[str, dict[str, list]]:
        ids = {
            "acknowledgement": [a.id for a in self.acknowledgements],
            "consent_event": [e.id for e in self.consent_events],
            "audit_event": self.audit_event_ids,
            "certificate": [c.id for c in self.certificates],
        }
        return {table: {"fields": FIELDS[table], "ids": sorted(ids[table])} for table in FIELDS}


def _gather(user: User) -> _Records:
    """Load and check the person's evidence; RetentionError (nothing changed) on a bad seal."""
    acks = db.session.scalars(
        select(Acknowledgement)
        .where(Acknowledgement.user_id == user.id)
        .options(selectinload(Acknowledgement.policy_version))
    ).all()
    for ack in acks:
        if not signing.intact(ack, ack.policy_version.version):
            raise RetentionError(f"acknowledgement id={ack.id} fails its MAC check")
    events = db.session.scalars(select(ConsentEvent).where(ConsentEvent.user_id == user.id)).all()
    for event in events:
        if not evidence.intact(event):
            raise RetentionError(f"consent event id={event.id} fails its MAC check")
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.user_id == user.id)
    ).all()
    audit_ids = []
    for entry_id, seq, salt, ip, user_agent, sealed in db.session.execute(
        select(
            AuditEvent.id,
            AuditEvent.seq,
            AuditEvent.pii_salt,
            AuditEvent.ip,
            AuditEvent.user_agent,
            AuditEvent.pii_digest,
        )
        .where(or_(AuditEvent.actor_id == user.id, AuditEvent.subject_id == user.id))
        .where(or_(AuditEvent.ip.is_not(None), AuditEvent.user_agent.is_not(None)))
    ):
        # Blanking an altered address would erase the trace of the alteration: refuse instead.
        if audit.pii_digest(salt, ip, user_agent) != sealed:
            raise RetentionError(f"audit entry seq={seq}: ip or user agent altered")
        audit_ids.append(entry_id)
    return _Records(list(acks), list(events), list(certificates), audit_ids)


def _blank_acknowledgements(rows: list[Acknowledgement]) -> dict[str, list[str]]:
    resealed: dict[str, list[str]] = {}
    for ack in rows:
        if ack.mac_version < personal.MAC_V2:
            # Sealed before digests existed: reseal once over the digest of the original values.
            before = ack.mac
            personal.seal(ack, signing.personal_fields(ack))
            ack.mac = signing.compute_mac(ack, ack.policy_version.version)
            resealed[str(ack.id)] = [before, ack.mac]
        ack.ip, ack.user_agent, ack.typed_name = None, None, ""
        # The identity sealed with the signature (its digest stays; verify accepts the blanks
        # because this purge names the row).
        ack.signer_name, ack.signer_email = None, None
    return resealed


def _blank_consent_events(rows: list[ConsentEvent]) -> dict[str, list[str]]:
    resealed: dict[str, list[str]] = {}
    for event in rows:
        if event.mac_version < personal.MAC_V2:
            before = event.mac
            personal.seal(event, evidence.personal_fields(event))
            event.mac = evidence.event_mac(event)
            resealed[str(event.id)] = [before, event.mac]
        event.ip, event.user_agent = None, None
        event.holder_name, event.holder_email = None, None
    return resealed


def purge_person(user: User, *, years: int, client: ClientInfo, now: datetime) -> RetentionPurge:
    """Pseudonymise one person in one transaction, audited as "retention.purged".

    Order matters: the sealed purge row naming every row to blank is inserted first, because on
    PostgreSQL the evidence trigger lets personal columns change only in the transaction that
    inserted the person's purge row (and only to blanks or the pseudonym).
    """
    records = _gather(user)
    pseudonym = f"former-{secrets.token_hex(5)}"
    former_email = user.email
    purge = RetentionPurge(
        user_id=user.id,
        purged_at=now,
        pseudonym=pseudonym,
        retention_years=years,
        acknowledgements=len(records.acknowledgements),
        consent_events=len(records.consent_events),
        audit_events=len(records.audit_event_ids),
        blanked=canonical_json(records.blanked()),
    )
    purge.mac = personal.purge_mac(purge)
    db.session.add(purge)
    db.session.flush()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL charte.retention = 'on'"))
    acks_resealed = _blank_acknowledgements(records.acknowledgements)
    events_resealed = _blank_consent_events(records.consent_events)
    for certificate in records.certificates:
        certificate.holder_name = pseudonym
    db.session.flush()
    for start in range(0, len(records.audit_event_ids), _CHUNK):
        db.session.execute(
            update(AuditEvent)
            .where(AuditEvent.id.in_(records.audit_event_ids[start : start + _CHUNK]))
            .values(ip=None, user_agent=None)
            .execution_options(synchronize_session=False)
        )
    user.full_name = pseudonym
    user.email = f"{pseudonym}@invalid.invalid"
    user.job_title = ""
    user.password_hash = None
    user.session_token = new_session_token()
    # Its sign-in sessions hold IP addresses and browsers too (and serve nothing any more).
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.session.flush()
    # Other areas forget the person too (e.g. the webhook outbox): {what: how many}.
    forgotten: dict[str, int] = {}
    for counts in hooks.person_pseudonymised.collect(user, former_email=former_email):
        forgotten |= counts
    audit.record(
        AuditAction.RETENTION_PURGED,
        actor=None,
        subject=user,
        target_type="retention_purge",
        target_id=purge.id,
        details={
            "purge_id": purge.id,
            "mac": purge.mac,
            "blanked_sha256": personal.blanked_digest(purge.blanked),
            "pseudonym": pseudonym,
            "retention_years": years,
            "deactivated_at": user.deactivated_at.isoformat(),
            "fields": {"user": USER_FIELDS, **FIELDS},
            "counts": {
                "acknowledgement": purge.acknowledgements,
                "consent_event": purge.consent_events,
                "audit_event": purge.audit_events,
                "certificate": len(records.certificates),
                **forgotten,
            },
            "resealed": {"acknowledgement": acks_resealed, "consent_event": events_resealed},
        },
        client=client,
    )
    db.session.commit()
    return purge


def apply(today: date | None = None, *, client: ClientInfo | None = None) -> list[RetentionPurge]:
    """Pseudonymise everyone due (one transaction per person); returns the purges done.

    First, abandoned step-ups of anyone forget the name typed in them (people.step_up).
    """
    now = utcnow()
    today = today or now.date()
    step_up.forget_expired(now)
    db.session.commit()
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
