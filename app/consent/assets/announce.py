"""Telling the person what became of a publication they appear in, by email when configured.

Subscribed to `hooks.asset_takedown_decided` (after the decision's commit). The in-app notice is
written by the notifications domain from the same hook; the mail goes only for "removed" (a
publication kept is explained on "My image"), and a mail failure never undoes the decision.
"""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from app.core import when
from app.core.mail import mail_configured, send_mail
from app.extensions import db
from app.models.asset import AssetPublication, AssetTakedown, MediaAsset, TakedownOutcome
from app.models.user import User
from app.web import public_url

log = logging.getLogger(__name__)


def locale_of(user: User) -> str:
    """The language to write to the person in (theirs, else the instance's)."""
    return user.locale or current_app.config["CHARTE_DEFAULT_LOCALE"]


def my_image_link(user: User) -> str:
    """The "My image" address for someone who can still sign in ("" for a leaver)."""
    if not user.active or not current_app.config.get("CHARTE_BASE_URL"):
        return ""
    return "\n\n" + public_url("consent.my_image")


def mail_takedown(row: AssetTakedown) -> bool:
    """Mail the person that a publication they appear in was removed; True when sent."""
    if row.outcome != TakedownOutcome.REMOVED or not mail_configured():
        return False
    person = db.session.get(User, row.user_id)
    pub = db.session.get(AssetPublication, row.publication_id)
    if person is None or pub is None or not person.email:
        return False
    asset = db.session.get(MediaAsset, pub.asset_id)
    with force_locale(locale_of(person)):
        subject = _("A publication with your image was taken down")
        body = _(
            "Hello %(name)s,\n\nThe publication of “%(title)s” on %(channel)s (%(location)s), "
            "in which you appear, was taken down on %(date)s.%(link)s\n",
            name=person.full_name,
            title=asset.title if asset else "?",
            channel=pub.channel,
            location=pub.location,
            date=when.day(row.removed_on) if row.removed_on else "",
            link=my_image_link(person),
        )
    try:
        send_mail(person.email, subject, body)
    except OSError:  # the decision is recorded; a mail failure must not undo it
        log.exception("Could not mail the take-down of publication %s", pub.id)
        return False
    return True
