"""The learner's path: the one next thing to do, and where each due item leads.

Order: modules HR assigned with a due date (earliest first), then the required modules in the
admin's order, then the policy, then the image-use choices; then the programme is complete.
The home page shows the next thing as its one primary action; `/next` goes straight to it (the
quiz result and the signature confirmation link there).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from math import ceil
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.assignments import due as assignments
from app.assignments import due_labels
from app.assignments.due import DueKind, parse_due_key
from app.core import settings
from app.extensions import db
from app.learn import progress
from app.learn.content import catalog
from app.models.certificate import PROGRAMME, Certificate
from app.models.consent import ConsentEvent, ConsentPurpose
from app.models.user import User
from app.policy import status as policy_status

POLICY_MINUTES = 5  # reading and signing the policy
IMAGE_MINUTES = 2  # answering the image-use questions

MODULE, POLICY, IMAGE, DONE = "module", "policy", "image", "done"


@dataclass(frozen=True)
class NextAction:
    """The one next thing: what it is, the button's words, where it leads, about how long."""

    kind: str  # module, policy, image or done
    label: str
    endpoint: str
    args: dict[str, Any] = field(default_factory=dict)
    minutes: int | None = None
    title: str = ""  # the module's title, for "module" actions


def _title(module: Any, locale: str) -> str:
    return catalog.fill(module.text(locale).title, settings.organisation_variables())


def _module_action(item: progress.ModuleStatus, locale: str) -> NextAction:
    module = item.module
    title = _title(module, locale)
    if item.status == progress.IN_PROGRESS:
        left = 1 - item.steps_seen / max(module.step_count, 1)
        minutes = max(1, ceil(module.minutes * left))
        label = _("Continue “%(title)s”", title=title)
    else:
        minutes = module.minutes
        label = _("Start “%(title)s”", title=title)
    return NextAction(MODULE, label, "learn.module", {"slug": module.slug}, minutes, title)


def first_open_module(
    modules: list[progress.ModuleStatus], due: list[assignments.DueItem] | None = None
) -> progress.ModuleStatus | None:
    """The module to do next: an assigned one not done (earliest due), else the first required
    one not completed, in the admin's order."""
    by_slug = {m.module.slug: m for m in modules}
    for item in sorted(due or [], key=lambda i: i.due_on):
        kind, slug = parse_due_key(item.key)
        found = by_slug.get(slug) if kind is DueKind.MODULE else None
        if not item.done and found and found.status != progress.COMPLETED:
            return found
    for module in modules:
        if module.placed.required and module.status != progress.COMPLETED:
            return module
    return None


def _has_image_choices_to_make(user: User) -> bool:
    """No decision recorded yet while there are active purposes to decide about."""
    purposes = db.session.scalar(
        select(func.count(ConsentPurpose.id)).where(ConsentPurpose.active.is_(True))
    )
    if not purposes:
        return False
    decided = db.session.scalar(
        select(ConsentEvent.id).where(ConsentEvent.user_id == user.id).limit(1)
    )
    return decided is None


def next_action(
    user: User,
    locale: str,
    today: date,
    modules: list[progress.ModuleStatus] | None = None,
    summary: assignments.AssignmentSummary | None = None,
) -> NextAction:
    """The one next thing for this person (pass what the page already loaded)."""
    modules = modules if modules is not None else progress.learner_modules(user)
    if summary is None:
        summary = assignments.summaries([user], today)[user.id]
    module = first_open_module(modules, list(summary.items))
    if module is not None:
        return _module_action(module, locale)
    if policy_status.status_for(user).state in ("never", "outdated"):
        return NextAction(POLICY, _("Read and sign the policy"), "sign.index", {}, POLICY_MINUTES)
    if _has_image_choices_to_make(user):
        return NextAction(
            IMAGE, _("Choose how your image may be used"), "consent.my_image", {}, IMAGE_MINUTES
        )
    return NextAction(DONE, _("See your programme completion"), "main.completed")


def due_list(
    user: User,
    locale: str,
    today: date,
    modules: list[progress.ModuleStatus],
    summary: assignments.AssignmentSummary,
) -> list[dict[str, Any]]:
    """What is due, soonest first, each leading to the page where it is done (the programme and
    the refresher lead to the module to do next, not back home)."""
    rows = []
    for item in sorted(summary.items, key=lambda i: i.due_on):
        if item.done:
            continue
        kind, _slug = parse_due_key(item.key)
        endpoint, args = due_labels.target(item.key)
        if kind in (DueKind.PROGRAMME, DueKind.REFRESHER):
            module = first_open_module(modules)
            if module is not None:
                endpoint, args = "learn.module", {"slug": module.module.slug}
            elif kind is DueKind.PROGRAMME:
                endpoint, args = "sign.index", {}
        rows.append(
            {
                "label": due_labels.label(item.key, locale),
                "target": (endpoint, args),
                "due_on": item.due_on,
                "overdue": item.overdue(today),
            }
        )
    return rows


@dataclass(frozen=True)
class Completion:
    """The programme's end: done or not, and the certificate that proves it."""

    done: bool
    required_done: int
    required_total: int
    certificate: Certificate | None
    next: NextAction


def completion(user: User, locale: str, today: date) -> Completion:
    """Where the person stands with the whole programme, for the completion page."""
    modules = progress.learner_modules(user)
    required = [m for m in modules if m.placed.required]
    certificates = db.session.scalars(
        select(Certificate)
        .where(Certificate.user_id == user.id, Certificate.kind == PROGRAMME)
        .options(selectinload(Certificate.revocation))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    certificate = next((c for c in certificates if not c.revoked), None)
    action = next_action(user, locale, today, modules)
    done = action.kind in (IMAGE, DONE)
    return Completion(
        done=done,
        required_done=sum(1 for m in required if m.status == progress.COMPLETED),
        required_total=len(required),
        certificate=certificate,
        next=action,
    )
