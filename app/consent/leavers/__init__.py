"""Withdrawal for people who have left: a signed, expiring link instead of a sign-in.

A leaver cannot sign in, yet keeps the right to withdraw an image consent. They get a link
(itsdangerous, signed with SECRET_KEY, on CHARTE_BASE_URL): in the offboarding email when their
consents are kept, or from the public form, which mails it to the address given and answers
the same whether or not that address is a leaver's. It mails only once the answer has gone
(`response.call_on_close`), so that its timing says nothing either (no account enumeration).
The link names no consent; it opens a page listing the person's valid grants, and the
withdrawal goes through consent.decisions.record_decision with the person as the actor
(audited as done by them).

A link is used once: it carries the id of the person's latest consent event when it was made,
so any decision recorded since (the withdrawal itself) makes it stale. Links from the form live
24 hours, offboarding links 30 days.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from app.consent import decisions
from app.consent import texts as consent_texts
from app.consent.assets.announce import locale_of
from app.core.client import ClientInfo
from app.core.mail import mail_configured, send_mail
from app.extensions import db
from app.models.consent import ConsentEvent, ConsentPurpose
from app.models.types import utcnow
from app.models.user import User
from app.web import public_url

log = logging.getLogger(__name__)

FROM_FORM, FROM_OFFBOARDING = "form", "offboarding"
MAX_AGE = {FROM_FORM: 24 * 3600, FROM_OFFBOARDING: 30 * 24 * 3600}


class LinkError(ValueError):
    """The link cannot be used; the message says why (in words a leaver understands)."""


@dataclass(frozen=True)
class Withdrawable:
    """One valid grant the leaver may withdraw."""

    purpose: ConsentPurpose
    medium: str
    valid_until: date | None

    @property
    def key(self) -> str:
        return f"{self.purpose.id}:{self.medium}"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="charte-leaver-withdrawal")


def _last_event_id(user_id: int) -> int:
    return int(
        db.session.scalar(select(func.max(ConsentEvent.id)).where(ConsentEvent.user_id == user_id))
        or 0
    )


def make_token(user: User, kind: str) -> str:
    """A signed link token for this leaver (stale as soon as any consent decision follows)."""
    if kind not in MAX_AGE:
        raise ValueError(kind)
    return _serializer().dumps({"uid": user.id, "k": kind, "n": _last_event_id(user.id)})


def person_for(token: str) -> User:
    """The leaver a valid, unused, unexpired token was made for; LinkError otherwise."""
    invalid = LinkError(_("This link is not valid. Ask for a new one below."))
    try:
        data, signed_at = _serializer().loads(
            token, max_age=max(MAX_AGE.values()), return_timestamp=True
        )
    except SignatureExpired as exc:
        raise LinkError(_("This link has expired. Ask for a new one below.")) from exc
    except BadSignature as exc:
        raise invalid from exc
    if not isinstance(data, dict) or data.get("k") not in MAX_AGE:
        raise invalid
    age = (utcnow() - signed_at).total_seconds()
    if age > MAX_AGE[data["k"]]:
        raise LinkError(_("This link has expired. Ask for a new one below."))
    user = db.session.get(User, data.get("uid"))
    if user is None:
        raise invalid
    if user.active:
        raise LinkError(_("Your account is active: sign in and use “My image” instead."))
    if _last_event_id(user.id) != data.get("n"):
        raise LinkError(_("This link was already used. Ask for a new one below."))
    return user


def withdrawable(user: User, today: date) -> list[Withdrawable]:
    """The person's grants valid today, by purpose title."""
    purposes = {p.id: p for p in consent_texts.purposes()}
    found = [
        Withdrawable(purposes[state.event.purpose_id], state.event.medium, state.valid_until)
        for state in decisions.states_for([user.id], today).values()
        if state.status == decisions.GRANTED and state.event.purpose_id in purposes
    ]
    return sorted(found, key=lambda w: (w.purpose.id, w.medium))


def withdraw(
    user: User, keys: list[str], *, client: ClientInfo, now: datetime | None = None
) -> int:
    """Withdraw the chosen grants ("purpose_id:medium") as the person; how many were withdrawn."""
    now = now or utcnow()
    chosen = set(keys)
    texts = consent_texts.current_texts(locale_of(user))
    done = 0
    for item in withdrawable(user, now.date()):
        text = texts.get(item.purpose.id)
        if item.key not in chosen or text is None:
            continue
        event = decisions.record_decision(
            decisions.Decision(
                user=user,
                purpose=item.purpose,
                medium=item.medium,
                decision=decisions.REVOKED,
                text=text,
            ),
            actor=user,  # the person's own decision, never "on behalf"
            client=client,
            now=now,
        )
        done += event is not None
    return done


def _mail(user: User, kind: str) -> bool:
    if not mail_configured() or not current_app.config.get("CHARTE_BASE_URL"):
        return False
    link = public_url("consent_leaver.withdraw", token=make_token(user, kind))
    with force_locale(locale_of(user)):
        if kind == FROM_OFFBOARDING:
            subject = _("Your image consents after you leave")
            intro = _(
                "Your account has been closed. The image-use consents you gave are kept until "
                "their end date; you can withdraw them at any time, without an account, here "
                "(the link works for 30 days, and you can ask for a new one on the same page):"
            )
        else:
            subject = _("Withdraw your image consent")
            intro = _(
                "You asked to withdraw an image-use consent. Open this link to choose which "
                "(it works once, for 24 hours):"
            )
        body = _(
            "Hello %(name)s,\n\n%(intro)s\n\n%(link)s\n\nIf you did not ask for it, ignore "
            "this message.\n",
            name=user.full_name,
            intro=intro,
            link=link,
        )
    try:
        send_mail(user.email, subject, body)
    except OSError:
        log.exception("Could not mail a withdrawal link to person %s", user.id)
        return False
    return True


def leaver_to_mail(email: str) -> int | None:
    """The id of the leaver with a valid grant this address names, or None; the caller
    answers the same either way, and mails with `mail_link_later` once the answer has gone."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or user.active or not withdrawable(user, utcnow().date()):
        return None
    return user.id


def mail_link_later(app: Flask, user_id: int) -> None:
    """Mail a form link from `response.call_on_close`: after the answer was sent, so that how
    long the answer took says nothing about the address (no enumeration by timing)."""
    try:
        with app.app_context():
            user = db.session.get(User, user_id)
            if user is not None and not user.active:
                _mail(user, FROM_FORM)
    except Exception:  # nothing may escape into the server's response handling
        log.exception("Could not prepare a withdrawal link for person %s", user_id)


def mail_on_leaving(users: list[User]) -> int:
    """The offboarding email: a withdrawal link for each leaver whose grants are kept; how many
    were sent. Nothing is looked up without a mail server, and the grants of a whole batch
    (SCIM deactivates thousands at once) are read in one query."""
    if not mail_configured() or not current_app.config.get("CHARTE_BASE_URL"):
        return 0
    leavers = [user for user in users if not user.active]
    if not leavers:
        return 0
    purposes = {p.id for p in consent_texts.purposes()}
    states = decisions.states_for([user.id for user in leavers], utcnow().date())
    holding = {
        user_id
        for (user_id, _purpose, _medium), state in states.items()
        if state.status == decisions.GRANTED and state.event.purpose_id in purposes
    }
    return sum(_mail(user, FROM_OFFBOARDING) for user in leavers if user.id in holding)
