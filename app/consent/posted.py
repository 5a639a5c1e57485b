"""A consent decision posted from a page (the employee's own or HR's paper form): record it and
flash what happened. Shared by the employee and HR routes, so that neither imports the other."""

from __future__ import annotations

from datetime import date

from flask import abort, flash
from flask_babel import gettext as _

from app.consent import decisions
from app.core import when
from app.extensions import db
from app.models.consent import ConsentPurpose, ConsentText
from app.models.user import User
from app.web import client_info


def apply_decision(
    person: User,
    actor: User,
    *,
    purpose_id: int | None,
    medium: str,
    decision: str,
    text_id: int | None,
    valid_until: date | None = None,
    paper_reference: str = "",
    scan=None,
) -> str | None:
    """Record a posted decision and flash what happened; returns an error message or None."""
    purpose = db.session.get(ConsentPurpose, purpose_id) if purpose_id else None
    text = db.session.get(ConsentText, text_id) if text_id else None
    if purpose is None or text is None:
        abort(404)
    try:
        event = decisions.record_decision(
            decisions.Decision(
                user=person,
                purpose=purpose,
                medium=medium,
                decision=decision,
                text=text,
                valid_until=valid_until if decision == decisions.GRANTED else None,
                paper_reference=paper_reference,
                scan=scan,
            ),
            actor=actor,
            client=client_info(),
        )
    except decisions.ConsentError as exc:
        return str(exc)
    title, medium = text.title, decisions.medium_label(medium).lower()
    if event is None:
        flash(_("Nothing changed: this decision was already recorded."), "info")
    elif event.decision == decisions.GRANTED:
        flash(
            _(
                "Consent recorded for “%(purpose)s” (%(medium)s) until %(date)s.",
                purpose=title,
                medium=medium,
                date=when.day(event.valid_until),
            ),
            "success",
        )
    elif event.decision == decisions.REFUSED:
        flash(
            _("Refusal recorded for “%(purpose)s” (%(medium)s).", purpose=title, medium=medium),
            "success",
        )
    else:
        flash(
            _(
                "Consent withdrawn for “%(purpose)s” (%(medium)s), effective now.",
                purpose=title,
                medium=medium,
            ),
            "success",
        )
    return None
