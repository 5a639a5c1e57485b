"""What must come down: published assets whose people's consent has since ended.

Computed from the data, as publication reviews are: a publication is on the "to take down" list
when someone who was allowed in its check has since withdrawn, refused or let the consent
expire (their current state, from consent.decisions), and no sealed decision answers that very
consent event. So a withdrawal shows up at once and an expiry on its day (the `consents` job,
consent.expiry, only announces it once: webhook and communications' notice).
Communications answers each item: removed (on a date: the publication then leaves the list for
good) or kept (with a reason). The person sees the outcome on "My image".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.consent import decisions
from app.consent.assets import evidence
from app.consent.assets.publishing import publications_of
from app.core import audit, hooks
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.evidence import seals
from app.extensions import db
from app.models.asset import AssetPublication, AssetTakedown, MediaAsset, TakedownOutcome
from app.models.consent import ConsentEvent
from app.models.publication import PublicationCheckPerson
from app.models.types import utcnow
from app.models.user import User


class TakedownError(ValueError):
    """The decision cannot be recorded; the message says why."""


@dataclass(frozen=True)
class TakedownItem:
    """One publication to take down because of one person's consent."""

    publication: AssetPublication
    person: User
    state: decisions.ConsentState


def decisions_for(publication_ids: Iterable[int]) -> list[AssetTakedown]:
    """The sealed take-down decisions of these publications, oldest first."""
    ids = list(publication_ids)
    if not ids:
        return []
    rows = db.session.scalars(
        select(AssetTakedown)
        .where(AssetTakedown.publication_id.in_(ids))
        .options(joinedload(AssetTakedown.decided_by))
        .order_by(AssetTakedown.id)
    )
    return [r for r in rows if seals.intact(evidence.TAKEDOWNS, r)]


def removed_on(done: list[AssetTakedown]) -> dict[int, AssetTakedown]:
    """Publication id -> the decision that took it down."""
    return {d.publication_id: d for d in done if d.outcome == TakedownOutcome.REMOVED}


def _live(pubs: list[AssetPublication]) -> tuple[list[AssetPublication], list[AssetTakedown]]:
    done = decisions_for([p.id for p in pubs])
    gone = removed_on(done)
    return [p for p in pubs if p.id not in gone], done


def _all_publications(user_id: int | None) -> list[AssetPublication]:
    query = select(AssetPublication.asset_id).distinct()
    if user_id is not None:
        query = query.join(
            PublicationCheckPerson, PublicationCheckPerson.check_id == AssetPublication.check_id
        ).where(PublicationCheckPerson.user_id == user_id)
    return publications_of(list(db.session.scalars(query)))


def _candidates(today: date, user_id: int | None, asset_id: int | None) -> set[tuple[int, int]]:
    """(publication id, person id) whose consent may have ended since the check: a later
    decision exists, or the grant the check relied on has run out. One indexed query, so the
    list costs what is on it, not what was ever published; each candidate is then judged by
    the person's current state (consent.decisions, seals checked) like any publication check.
    """
    later = (
        select(ConsentEvent.id)
        .where(
            ConsentEvent.user_id == PublicationCheckPerson.user_id,
            ConsentEvent.purpose_id == AssetPublication.purpose_id,
            ConsentEvent.medium == AssetPublication.medium,
            ConsentEvent.id > func.coalesce(PublicationCheckPerson.consent_event_id, 0),
        )
        .exists()
    )
    query = (
        select(AssetPublication.id, PublicationCheckPerson.user_id)
        .join(PublicationCheckPerson, PublicationCheckPerson.check_id == AssetPublication.check_id)
        .where(
            PublicationCheckPerson.allowed.is_(True),
            or_(later, PublicationCheckPerson.valid_until < today),
        )
    )
    if user_id is not None:
        query = query.where(PublicationCheckPerson.user_id == user_id)
    if asset_id is not None:
        query = query.where(AssetPublication.asset_id == asset_id)
    return {(pub_id, person_id) for pub_id, person_id in db.session.execute(query)}


def items(
    today: date, user_id: int | None = None, asset_id: int | None = None
) -> list[TakedownItem]:
    """Every live publication someone allowed in it may no longer appear in, not yet decided."""
    candidates = _candidates(today, user_id, asset_id)
    if not candidates:
        return []
    pubs = publications_of([], publication_ids={pub_id for pub_id, _person in candidates})
    live, done = _live(pubs)
    answered = {(d.publication_id, d.user_id, d.trigger_event_id) for d in done}
    pairs = [
        (pub, person)
        for pub in live
        for person in pub.check.people
        if person.allowed and (pub.id, person.user_id) in candidates
    ]
    states = decisions.states_for({person.user_id for _p, person in pairs}, today)
    found = []
    for pub, person in pairs:
        state = states.get((person.user_id, pub.purpose_id, pub.medium), decisions.NEVER_ASKED)
        if state.allowed or state.event is None:
            continue
        if (pub.id, person.user_id, state.event.id) in answered:
            continue
        found.append(TakedownItem(pub, person.user, state))
    return found


def assets_by_id(ids: Iterable[int]) -> dict[int, MediaAsset]:
    """The assets of these ids (one query)."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {
        a.id: a for a in db.session.scalars(select(MediaAsset).where(MediaAsset.id.in_(wanted)))
    }


def decide(
    publication_id: int,
    user_id: int,
    *,
    outcome: str,
    removed: date | None,
    reason: str,
    actor: User,
    client: ClientInfo,
    now: datetime | None = None,
) -> AssetTakedown:
    """Record that the publication was removed (on a date) or kept (with a reason)."""
    now = (now or utcnow()).astimezone(UTC)
    item = next(
        (i for i in items(now.date(), user_id=user_id) if i.publication.id == publication_id),
        None,
    )
    if item is None:
        raise TakedownError(_("Nothing to take down here any more."))
    reason = reason.strip()
    if outcome == TakedownOutcome.REMOVED:
        if removed is None or removed > now.date():
            raise TakedownError(_("Give the day it was removed (today at the latest)."))
    elif outcome == TakedownOutcome.KEPT:
        if not reason:
            raise TakedownError(_("Say why the publication is kept."))
        removed = None
    else:
        raise TakedownError(_("Choose removed or kept."))
    row = AssetTakedown(
        publication_id=publication_id,
        user_id=user_id,
        trigger_event_id=item.state.event.id,
        outcome=outcome,
        removed_on=removed,
        reason=reason[:2000] or None,
        decided_by_id=actor.id,
        decided_at=now,
    )
    seals.seal(evidence.TAKEDOWNS, row)
    db.session.add(row)
    db.session.flush()
    audit.record(
        AuditAction.ASSET_TAKEDOWN_DECIDED,
        actor=actor,
        subject=item.person,
        target_type="asset_takedown",
        target_id=row.id,
        details={
            "publication_id": publication_id,
            "asset_id": item.publication.asset_id,
            "location": item.publication.location,
            "outcome": outcome,
            "removed_on": removed.isoformat() if removed else None,
            "reason": row.reason,
            "trigger_event_id": row.trigger_event_id,
            **seals.sealed_details((evidence.TAKEDOWNS, [row])),
        },
        client=client,
    )
    db.session.commit()
    hooks.asset_takedown_decided.emit(row)  # the person hears of it (app, and mail if set up)
    return row


def affected_by(event: ConsentEvent) -> list[AssetPublication]:
    """Live publications a withdrawal or refusal requires to come down (for the webhook)."""
    if event.decision == decisions.GRANTED:
        return []
    pubs = [
        p
        for p in _all_publications(event.user_id)
        if p.purpose_id == event.purpose_id and p.medium == event.medium
    ]
    live, _done = _live(pubs)
    return [
        p for p in live if any(a.user_id == event.user_id and a.allowed for a in p.check.people)
    ]


def payload(
    pub: AssetPublication, event: ConsentEvent, asset: Any, decision: str | None = None
) -> dict[str, Any]:
    """What the asset.takedown_required webhook says about one publication ("decision" is the
    event's, or "expired" when a grant ran out)."""
    return {
        "asset": {"id": pub.asset_id, "title": asset.title if asset else None},
        "publication": {
            "id": pub.id,
            "channel": pub.channel,
            "location": pub.location,
            "published_on": pub.published_on.isoformat(),
        },
        "medium": pub.medium,
        "decision": decision or event.decision,
    }
