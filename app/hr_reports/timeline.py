"""One person's history on one timeline: modules, quizzes, signatures, consent, account events.

Each kind of record comes from a "timeline source": a function (user, locale) -> entries that
reads its records in one query. Areas built later (certificates, reminders) add their own
source to TIMELINE_SOURCES from app/wiring.py; the page shows whatever the sources return.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from app.consent import decisions, texts
from app.core import when
from app.core.audit_actions import AuditAction
from app.extensions import db
from app.learn.content import catalog
from app.models.acknowledgement import Acknowledgement
from app.models.audit import AuditEvent
from app.models.learning import ModuleCompletion, QuizAttempt
from app.models.policy import PolicyText, PolicyVersion
from app.models.user import User
from app.policy import versions


@dataclass(frozen=True)
class TimelineEntry:
    """One dated line of a person's history."""

    at: datetime
    kind: str  # module, quiz, signature, consent, account, or a source's own kind
    title: str
    detail: str = ""
    code: str = ""  # a verification code, when the record has one


# Labels of the kinds of entries; a source of a new kind adds its label here (from wiring).
KIND_LABELS: dict[str, Callable[[], str]] = {
    "module": lambda: _("Module"),
    "quiz": lambda: _("Quiz"),
    "signature": lambda: _("Signature"),
    "consent": lambda: _("Image consent"),
    "account": lambda: _("Account"),
    "escalation": lambda: _("Escalation"),
}


def kind_labels() -> dict[str, str]:
    """Each kind of entry in the reader's language."""
    return {kind: label() for kind, label in KIND_LABELS.items()}


TimelineSource = Callable[[User, str], Iterable[TimelineEntry]]


def _module_titles(locale: str) -> dict[str, str]:
    # Retired modules too: a person's history still names what they completed.
    loaded = catalog.catalog()
    return {m.slug: m.text(locale).title for m in (*loaded.modules, *loaded.retired)}


def module_entries(user: User, locale: str) -> Iterable[TimelineEntry]:
    """Module completions, with the score of the passing attempt."""
    titles = _module_titles(locale)
    for row in db.session.scalars(
        select(ModuleCompletion).where(ModuleCompletion.user_id == user.id)
    ):
        yield TimelineEntry(
            at=row.completed_at,
            kind="module",
            title=_(
                "Completed the module “%(title)s”",
                title=titles.get(row.module_slug, row.module_slug),
            ),
            detail=_("version %(version)d", version=row.material_version),
        )


def quiz_entries(user: User, locale: str) -> Iterable[TimelineEntry]:
    """Submitted quiz attempts with their score."""
    titles = _module_titles(locale)
    for attempt in db.session.scalars(
        select(QuizAttempt).where(
            QuizAttempt.user_id == user.id, QuizAttempt.submitted_at.is_not(None)
        )
    ):
        yield TimelineEntry(
            at=attempt.submitted_at,
            kind="quiz",
            title=_("Quiz “%(title)s”", title=titles.get(attempt.module_slug, attempt.module_slug)),
            detail=(
                _("%(percent)d%%, passed", percent=attempt.percent or 0)
                if attempt.passed
                else _("%(percent)d%%, not passed", percent=attempt.percent or 0)
            ),
        )


def signature_entries(user: User, locale: str) -> Iterable[TimelineEntry]:
    """Signed acknowledgements of the policy, each naming the revision whose text it signed
    ("3.1"), found in the same query as the signature."""
    rows = db.session.execute(
        select(Acknowledgement, PolicyVersion.version, PolicyText.minor)
        .join(PolicyVersion, PolicyVersion.id == Acknowledgement.policy_version_id)
        .outerjoin(PolicyText, versions.signed_text_condition())
        .where(Acknowledgement.user_id == user.id)
    )
    for ack, number, minor in rows:
        yield TimelineEntry(
            at=ack.signed_at,
            kind="signature",
            title=_(
                "Signed the policy, version %(version)s",
                version=versions.revision_label(number, minor),
            ),
            detail=_("typed name: %(name)s", name=ack.typed_name),
            code=ack.code,
        )


def consent_entries(user: User, locale: str) -> Iterable[TimelineEntry]:
    """Image-use consent decisions (including those recorded from a paper form)."""
    titles = texts.titles(locale)
    for event in decisions.history(user.id):
        detail = decisions.medium_label(event.medium)
        if event.valid_until and event.decision == decisions.GRANTED:
            detail += " · " + _("until %(date)s", date=when.day(event.valid_until))
        if event.on_behalf:
            detail += " · " + _("recorded from a paper form")
        yield TimelineEntry(
            at=event.recorded_at,
            kind="consent",
            title=_(
                "%(decision)s: %(purpose)s",
                decision=decisions.decision_label(event.decision),
                purpose=titles.get(event.purpose_id, str(event.purpose_id)),
            ),
            detail=detail,
            code=event.code,
        )


def _account_labels() -> dict[str, str]:
    return {
        AuditAction.USER_CREATED.value: _("Account created"),
        AuditAction.USER_INVITED.value: _("Invitation sent"),
        AuditAction.AUTH_PASSWORD_SET.value: _("Password chosen"),
        AuditAction.AUTH_RESET_LINK_ISSUED.value: _("Password reset link issued"),
        AuditAction.USER_DEACTIVATED.value: _("Account deactivated"),
        AuditAction.USER_REACTIVATED.value: _("Account reactivated"),
        AuditAction.USER_ROLE_CHANGED.value: _("Role changed"),
        AuditAction.USER_IDENTITY_CHANGED.value: _("Email or external id changed through the API"),
        AuditAction.USER_MANAGER_CHANGED.value: _("Manager changed"),
    }


def account_entries(user: User, locale: str) -> Iterable[TimelineEntry]:
    """Account events from the audit log (creation, invitations, deactivation, roles)."""
    labels = _account_labels()
    rows = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_id == user.id, AuditEvent.action.in_(list(labels)))
        .order_by(AuditEvent.seq)
    )
    for event in rows:
        detail = ""
        if event.action == AuditAction.USER_ROLE_CHANGED:
            data = json.loads(event.details)
            detail = f"{data.get('from', '')} → {data.get('to', '')}"
        elif event.action == AuditAction.USER_IDENTITY_CHANGED:
            data = json.loads(event.details)
            detail = ", ".join(data.get("fields", [])) + f" (token {data.get('api_token_id')})"
        yield TimelineEntry(
            at=event.created_at, kind="account", title=labels[event.action], detail=detail
        )


def escalation_entries(user: User, locale: str) -> Iterable[TimelineEntry]:
    """Overdue items escalated to the manager or to HR (assignments.escalation)."""
    from app.assignments import due_labels, escalation

    for notice in escalation.notices_for(user):
        title = (
            ngettext(
                "Overdue for %(num)d day: manager told",
                "Overdue for %(num)d days: manager told",
                notice.days_overdue,
            )
            if notice.stage == escalation.MANAGER
            else ngettext(
                "Overdue for %(num)d day: HR told",
                "Overdue for %(num)d days: HR told",
                notice.days_overdue,
            )
        )
        detail = f"{due_labels.label(notice.item_key, locale)} ({format_date(notice.due_on)})"
        yield TimelineEntry(at=notice.created_at, kind="escalation", title=title, detail=detail)


TIMELINE_SOURCES: list[TimelineSource] = [
    module_entries,
    quiz_entries,
    signature_entries,
    consent_entries,
    account_entries,
    escalation_entries,
]


def timeline(user: User, locale: str) -> list[TimelineEntry]:
    """Everything recorded about the person, newest first (one query per source)."""
    entries = [entry for source in TIMELINE_SOURCES for entry in source(user, locale)]
    return sorted(entries, key=lambda e: e.at, reverse=True)
