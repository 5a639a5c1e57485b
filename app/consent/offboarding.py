"""Offboarding: deactivate someone and decide what happens to their image consents."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from app.consent import decisions
from app.consent import texts as consent_texts
from app.core.client import ClientInfo
from app.models.types import utcnow
from app.models.user import User
from app.people import accounts

KEEP, END_NOW = "keep", "end_now"
CHOICES = (KEEP, END_NOW)
OFFBOARDING_REFERENCE = "offboarding"


def granted_consents(user: User, today) -> list[decisions.ConsentState]:
    """The person's consents valid today (what "end now" would revoke)."""
    states = decisions.states_for([user.id], today)
    return [state for state in states.values() if state.status == decisions.GRANTED]


def deactivate(
    user: User,
    choice: str,
    *,
    actor: User,
    client: ClientInfo,
    now: datetime | None = None,
    details: dict | None = None,
) -> int:
    """Deactivate the account; with "end now", revoke every valid consent first. Returns revocations.

    Revocations go through the consent service (recorded on the person's behalf, reference
    "offboarding", each audited); the deactivation's audit entry records HR's choice, and
    `details` (SCIM adds the token's id).
    """
    return deactivate_many([user], choice, actor=actor, client=client, now=now, details=details)[
        user.id
    ]


def deactivate_many(
    users: list[User],
    choice: str,
    *,
    actor: User,
    client: ClientInfo,
    now: datetime | None = None,
    details: dict | None = None,
) -> dict[int, int]:
    """deactivate for several people (a directory's bulk): the same revocations, then one
    transaction for the deactivations. Returns the revocations per person id."""
    if choice not in CHOICES:
        raise accounts.AccountError(_("Choose what happens to their image consents."))
    if any(user.id == actor.id for user in users):
        raise accounts.AccountError(_("You cannot deactivate your own account."))
    now = now or utcnow()
    revoked = dict.fromkeys((user.id for user in users), 0)
    if choice == END_NOW:
        purposes = {p.id: p for p in consent_texts.purposes()}
        by_id = {user.id: user for user in users}
        texts = {
            locale: consent_texts.current_texts(locale) for locale in {u.locale for u in users}
        }
        ids = list(by_id)
        states = {}
        for start in range(0, len(ids), 900):  # bounded IN lists
            states.update(decisions.states_for(ids[start : start + 900], now.date()))
        for (user_id, _purpose, _medium), state in states.items():
            if state.status != decisions.GRANTED:
                continue
            event = state.event
            user = by_id[user_id]
            text = texts[user.locale].get(event.purpose_id)
            if text is None:
                continue
            done = decisions.record_decision(
                decisions.Decision(
                    user=user,
                    purpose=purposes[event.purpose_id],
                    medium=event.medium,
                    decision=decisions.REVOKED,
                    text=text,
                    paper_reference=OFFBOARDING_REFERENCE,
                ),
                actor=actor,
                client=client,
                now=now,
            )
            revoked[user.id] += done is not None
    accounts.set_active_many(
        users,
        False,
        actor=actor,
        client=client,
        details={
            user.id: {
                "image_consents": choice,
                "consents_revoked": revoked[user.id],
                **(details or {}),
            }
            for user in users
        },
    )
    if choice == KEEP:
        from app.consent import leavers

        leavers.mail_on_leaving(users)  # kept consents stay withdrawable without an account
    return revoked
