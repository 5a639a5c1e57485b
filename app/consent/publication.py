"""Publication checks: may these people appear in this publication? And what needs review later."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.consent import decisions, evidence
from app.consent.texts import titles
from app.core import audit, settings, when
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.core.mail import mail_configured, send_mail
from app.evidence import seals
from app.extensions import db
from app.models.asset import AssetPublication
from app.models.consent import ConsentEvent, ConsentPurpose
from app.models.publication import PublicationCheck, PublicationCheckPerson, PublicationReview
from app.models.types import utcnow
from app.models.user import Role, User
from app.web import public_url

log = logging.getLogger(__name__)
SEARCH_LIMIT = 30

REVIEW_EMAIL = settings.SettingSpec(
    "consent.review_email",
    "email",
    "",
    _l("Address told when someone withdraws consent behind a checked publication"),
    _l("Image consent"),
    _l("Leave empty to write to every HR account."),
)


class CheckError(ValueError):
    """The check cannot be recorded; the message says why."""


def search_people(q: str, limit: int = SEARCH_LIMIT) -> list[User]:
    """People whose name or email contains q (everyone who may appear in a picture)."""
    q = q.strip().lower()
    if not q:
        return []
    like = f"%{q}%"
    # SQLite lowers ASCII only: also try the capitalised form, so "élodie" finds "Élodie".
    return list(
        db.session.scalars(
            select(User)
            .where(
                or_(
                    func.lower(User.full_name).like(like),
                    func.lower(User.email).like(like),
                    User.full_name.like(f"%{q.capitalize()}%"),
                )
            )
            .order_by(User.full_name, User.id)
            .limit(limit)
        )
    )


def people_by_id(ids: Iterable[int]) -> list[User]:
    """These people, sorted by name (one query)."""
    ids = list(ids)
    if not ids:
        return []
    return list(
        db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.full_name, User.id))
    )


@dataclass(frozen=True)
class Answer:
    """May this person appear in this publication, and what their consent says (one answer)."""

    person: User
    state: decisions.ConsentState

    @property
    def allowed(self) -> bool:
        return self.state.allowed


def answers(purpose: ConsentPurpose, medium: str, people: list[User], day: date) -> list[Answer]:
    """The publication check's answer for each person on that day, from their consent history.

    The one computation behind every "may we publish?": the recorded check, the asset page and
    the publication of an asset all call it.
    """
    states = decisions.states_for([p.id for p in people], day)
    return [
        Answer(person, states.get((person.id, purpose.id, medium), decisions.NEVER_ASKED))
        for person in people
    ]


def run_check(
    purpose: ConsentPurpose,
    medium: str,
    people: list[User],
    reference: str,
    *,
    actor: User,
    client: ClientInfo,
    now: datetime | None = None,
) -> PublicationCheck:
    """Answer for each person and record the check with the answers given."""
    check = record_check(purpose, medium, people, reference, actor=actor, client=client, now=now)
    db.session.commit()
    return check


def record_check(
    purpose: ConsentPurpose,
    medium: str,
    people: list[User],
    reference: str,
    *,
    actor: User,
    client: ClientInfo,
    now: datetime | None = None,
) -> PublicationCheck:
    """Record the check in the caller's transaction (sealed and audited); the caller commits."""
    reference = reference.strip()
    if not reference:
        raise CheckError(_("Describe the publication (a title, a link or a file name)."))
    if not people:
        raise CheckError(_("Choose at least one person."))
    if medium not in purpose.media_list:
        raise CheckError(_("This purpose does not cover this medium."))
    now = (now or utcnow()).astimezone(UTC)
    given = answers(purpose, medium, people, now.date())
    check = PublicationCheck(
        purpose_id=purpose.id,
        medium=medium,
        reference=reference[:300],
        checked_by_id=actor.id,
        checked_at=now,
    )
    seals.seal(evidence.PUBLICATION_CHECKS, check)
    db.session.add(check)
    db.session.flush()
    details = []
    rows = []
    for answer in given:
        state = answer.state
        row = PublicationCheckPerson(
            check_id=check.id,
            user_id=answer.person.id,
            allowed=state.allowed,
            state=state.status,
            valid_until=state.valid_until if state.allowed else None,
            consent_event_id=state.event.id if state.event is not None else None,
        )
        seals.seal(evidence.PUBLICATION_ANSWERS, row)
        db.session.add(row)
        rows.append(row)
        details.append(
            {"user_id": answer.person.id, "allowed": state.allowed, "state": state.status}
        )
    db.session.flush()
    audit.record(
        AuditAction.CONSENT_PUBLICATION_CHECK,
        actor=actor,
        target_type="publication_check",
        target_id=check.id,
        details={
            "purpose": purpose.slug,
            "medium": medium,
            "reference": check.reference,
            "answers": details,
            **seals.sealed_details(
                (evidence.PUBLICATION_CHECKS, [check]), (evidence.PUBLICATION_ANSWERS, rows)
            ),
        },
        client=client,
    )
    return check


def get_check(check_id: int) -> PublicationCheck | None:
    """One check with its people and who ran it."""
    return db.session.scalar(
        select(PublicationCheck)
        .where(PublicationCheck.id == check_id)
        .options(
            joinedload(PublicationCheck.checked_by),
            joinedload(PublicationCheck.purpose),
            selectinload(PublicationCheck.people).joinedload(PublicationCheckPerson.user),
        )
    )


def recent_checks(limit: int = 20) -> list[PublicationCheck]:
    """The latest checks with their people (three queries)."""
    return list(
        db.session.scalars(
            select(PublicationCheck)
            .options(
                joinedload(PublicationCheck.checked_by),
                selectinload(PublicationCheck.people).joinedload(PublicationCheckPerson.user),
            )
            .order_by(PublicationCheck.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class ReviewItem:
    """A person who said yes for a checked publication and whose consent has since ended."""

    person: PublicationCheckPerson
    check: PublicationCheck
    state: decisions.ConsentState


def needs_review(today: date, user_id: int | None = None) -> list[ReviewItem]:
    """Every "yes" answer whose consent was since revoked, refused or let expire, not yet reviewed.

    Computed from the data (a bounded number of queries whatever the size): nothing is flagged
    by a job, so an expiry shows up on the day it happens.
    """
    query = (
        select(PublicationCheckPerson)
        .where(
            PublicationCheckPerson.allowed.is_(True),
            # A check behind a publication of the asset register is followed on its "to take
            # down" list (app/consent/assets/takedown.py), with the publication's address.
            PublicationCheckPerson.check_id.not_in(select(AssetPublication.check_id)),
        )
        .options(
            joinedload(PublicationCheckPerson.user),
            joinedload(PublicationCheckPerson.check).joinedload(PublicationCheck.checked_by),
        )
        .order_by(PublicationCheckPerson.id.desc())
    )
    if user_id is not None:
        query = query.where(PublicationCheckPerson.user_id == user_id)
    answers = list(db.session.scalars(query))
    if not answers:
        return []
    states = decisions.states_for({a.user_id for a in answers}, today)
    # Only a review whose seal holds clears an item: a row inserted or edited behind the app's
    # back must not hide a publication that has to come down (`flask audit verify` names it).
    reviewed = {
        (review.check_person_id, review.trigger_event_id)
        for review in db.session.scalars(
            select(PublicationReview).where(
                PublicationReview.check_person_id.in_([a.id for a in answers])
            )
        )
        if seals.intact(evidence.PUBLICATION_REVIEWS, review)
    }
    items = []
    for answer in answers:
        key = (answer.user_id, answer.check.purpose_id, answer.check.medium)
        state = states.get(key, decisions.NEVER_ASKED)
        if state.allowed or state.event is None:
            continue
        if (answer.id, state.event.id) in reviewed:
            continue
        items.append(ReviewItem(person=answer, check=answer.check, state=state))
    return items


def review_count(today: date) -> int:
    """How many publication answers need review (for badges)."""
    return len(needs_review(today))


def mark_reviewed(check_person_id: int, *, actor: User, client: ClientInfo, today: date) -> bool:
    """Record that someone reviewed this publication; False when nothing needed review."""
    item = next((i for i in needs_review(today) if i.person.id == check_person_id), None)
    if item is None:
        return False
    review = PublicationReview(
        check_person_id=item.person.id,
        trigger_event_id=item.state.event.id,
        reviewed_by_id=actor.id,
        reviewed_at=utcnow(),
    )
    seals.seal(evidence.PUBLICATION_REVIEWS, review)
    db.session.add(review)
    db.session.flush()
    audit.record(
        AuditAction.CONSENT_REVIEW_DONE,
        actor=actor,
        subject=item.person.user,
        target_type="publication_check",
        target_id=item.check.id,
        details={
            "check_person_id": item.person.id,
            "state": item.state.status,
            "trigger_event_id": item.state.event.id,
            **seals.sealed_details((evidence.PUBLICATION_REVIEWS, [review])),
        },
        client=client,
    )
    db.session.commit()
    return True


def _reviews_link() -> str:
    return public_url("consent_hr.reviews")


def _recipients() -> list[str]:
    chosen = settings.get(REVIEW_EMAIL)
    if chosen:
        return [chosen]
    return list(
        db.session.scalars(
            select(User.email)
            .where(User.role.in_([Role.HR.value, Role.ADMIN.value]), User.active.is_(True))
            .order_by(User.email)
        )
    )


def notify_withdrawal(previous: decisions.ConsentState, event: ConsentEvent) -> None:
    """After a grant is withdrawn (revoked or refused), mail HR one list of the checks involved."""
    if not previous.allowed or event.decision == decisions.GRANTED or not mail_configured():
        return
    checks = list(
        db.session.scalars(
            select(PublicationCheck)
            .join(PublicationCheckPerson)
            .where(
                PublicationCheckPerson.user_id == event.user_id,
                PublicationCheckPerson.allowed.is_(True),
                PublicationCheck.purpose_id == event.purpose_id,
                PublicationCheck.medium == event.medium,
            )
            .order_by(PublicationCheck.checked_at)
        ).unique()
    )
    if not checks:
        return
    person = db.session.get(User, event.user_id)
    purpose = db.session.get(ConsentPurpose, event.purpose_id)
    locale = current_app.config["CHARTE_DEFAULT_LOCALE"]
    with force_locale(locale):
        lines = "\n".join(f"- {c.reference} ({when.day(c.checked_at)})" for c in checks)
        subject = _("Image consent withdrawn: %(name)s", name=person.full_name)
        body = _(
            "%(name)s withdrew their consent for “%(purpose)s” (%(medium)s) on %(date)s.\n\n"
            "These publications were checked while the consent was valid and need review "
            "(no new use of the image; past uses stay lawful):\n\n%(lines)s\n\n%(link)s\n",
            name=person.full_name,
            purpose=titles(locale).get(purpose.id, purpose.slug),
            medium=_("photo") if event.medium == "photo" else _("video"),
            date=when.day(event.recorded_at),
            lines=lines,
            link=_reviews_link(),
        )
    for address in _recipients():
        try:
            send_mail(address, subject, body)
        except OSError:  # the decision is recorded; a mail failure must not undo it
            log.exception("Could not mail the consent withdrawal to %s", address)
