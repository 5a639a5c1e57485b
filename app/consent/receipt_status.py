"""What a consent receipt means today: valid, withdrawn, expired, refused or superseded.

A receipt records one decision; whoever holds it (an agency about to publish a picture) needs to
know whether that decision still stands. The public consent page and `/verify` both lead with
this status, in words, computed here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.consent import decisions, evidence, texts
from app.core import when
from app.evidence.verification import VerificationResult
from app.extensions import db
from app.models.consent import ConsentDecision, ConsentEvent
from app.models.types import utcnow

KIND = "consent_receipt"

VALID = "valid"
WITHDRAWN = "withdrawn"
EXPIRED = "expired"
REFUSED = "refused"
SUPERSEDED = "superseded"

# The badge of each status: only a consent valid today is green.
BADGES = {
    VALID: "badge-ok",
    WITHDRAWN: "badge-bad",
    EXPIRED: "badge-bad",
    REFUSED: "badge-bad",
    SUPERSEDED: "badge-warn",
}


def _day(value: date | None) -> str:
    return when.day(value) if value else "—"


@dataclass(frozen=True)
class ReceiptStatus:
    """The status of one recorded decision today, and the day that status began."""

    status: str
    since: date | None
    valid_until: date | None = None

    @property
    def allows_use(self) -> bool:
        """True only for a grant that is still the person's decision and has not expired."""
        return self.status == VALID

    @property
    def badge(self) -> str:
        return BADGES[self.status]

    def label(self) -> str:
        """One or two words for the badge, in the reader's language."""
        return {
            VALID: _("Valid"),
            WITHDRAWN: _("Withdrawn"),
            EXPIRED: _("Expired"),
            REFUSED: _("Refused"),
            SUPERSEDED: _("Superseded"),
        }[self.status]

    def headline(self) -> str:
        """The status as a sentence, in the reader's language."""
        if self.status == VALID:
            return _("Valid today: consent granted until %(date)s.", date=_day(self.valid_until))
        if self.status == WITHDRAWN:
            return _(
                "Withdrawn on %(date)s: this consent no longer allows any use of the image.",
                date=_day(self.since),
            )
        if self.status == EXPIRED:
            return _(
                "Expired on %(date)s: this consent no longer allows any use of the image.",
                date=_day(self.since),
            )
        if self.status == REFUSED:
            return _(
                "Refused on %(date)s: the image may not be used for this purpose.",
                date=_day(self.since),
            )
        return _(
            "Superseded by a later decision recorded on %(date)s: this receipt no longer shows "
            "the person's decision. Ask the organisation before any use.",
            date=_day(self.since),
        )


def _next_event(event: ConsentEvent) -> ConsentEvent | None:
    """The decision recorded right after this one, for the same person, purpose and medium."""
    return db.session.scalar(
        select(ConsentEvent)
        .where(
            ConsentEvent.user_id == event.user_id,
            ConsentEvent.purpose_id == event.purpose_id,
            ConsentEvent.medium == event.medium,
            ConsentEvent.id > event.id,
        )
        .order_by(ConsentEvent.id)
        .limit(1)
    )


def status_of(event: ConsentEvent, today: date) -> ReceiptStatus:
    """How the decision on this receipt stands on `today` (how it ended, if it did, first)."""
    following = _next_event(event)
    ended_on = following.recorded_at.date() if following is not None else None
    if event.decision == ConsentDecision.GRANTED:
        until = event.valid_until
        if until is not None and until < today and (ended_on is None or ended_on > until):
            return ReceiptStatus(EXPIRED, date.fromordinal(until.toordinal() + 1), until)
        if following is None:
            return ReceiptStatus(VALID, event.recorded_at.date(), until)
        if following.decision in (ConsentDecision.REVOKED, ConsentDecision.REFUSED):
            # A refusal recorded after a grant ends it exactly as a withdrawal does.
            return ReceiptStatus(WITHDRAWN, ended_on, until)
        return ReceiptStatus(SUPERSEDED, ended_on, until)
    if following is not None:
        return ReceiptStatus(SUPERSEDED, ended_on)
    if event.decision == ConsentDecision.REFUSED:
        return ReceiptStatus(REFUSED, event.recorded_at.date())
    return ReceiptStatus(WITHDRAWN, event.recorded_at.date())


def facts(event: ConsentEvent) -> tuple[tuple[str, str], ...]:
    """The decision as the receipt shows it, in the reader's language."""
    decision = decisions.decision_label(event.decision)
    if event.on_behalf:
        decision += " — " + _("recorded by HR on behalf of the employee")
    return (
        (_("Medium"), decisions.medium_label(event.medium)),
        (_("Decision recorded"), decision),
        (_("Valid until"), when.day(event.valid_until) if event.valid_until else "—"),
    )


def lookup(code: str) -> VerificationResult | None:
    """The `/verify` result for a consent receipt code (a `hooks.code_lookups` receiver)."""
    event = decisions.event_by_code(code)
    if event is None or not evidence.intact(event):
        # Never vouch for a record that was altered behind the application's back.
        return None
    status = status_of(event, utcnow().date())
    return VerificationResult(
        kind=KIND,
        status=status.status,
        holder_name=evidence.holder_name(event) or "—",
        title=texts.titles(str(get_locale())).get(event.purpose_id, event.text.title),
        issued_at=event.recorded_at,
        details={
            "medium": event.medium,
            "decision": event.decision,
            "valid_until": event.valid_until.isoformat() if event.valid_until else None,
            "text_sha256": event.text_sha256,
            "on_behalf": bool(event.on_behalf),
        },
        kind_label=_l("Image-use consent receipt"),
        facts=facts(event),
        status_since=status.since,
        status_text=status.headline(),
        status_label=status.label(),
        status_badge=status.badge,
    )
