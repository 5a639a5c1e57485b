"""The "Me" page: everything recorded about the signed-in person, in pluggable sections.

Each section builder is a callable (user, context) -> MeSection | None; the page renders each
section's template with its data. Other areas (e.g. certificates) add theirs through
`hooks.me_sections`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.consent import decisions, texts
from app.core import audit, hooks
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.core.me_sections import MeContext, MeSection
from app.extensions import db
from app.learn import progress
from app.models.acknowledgement import Acknowledgement
from app.models.learning import ModuleCompletion, QuizAttempt
from app.models.policy import PolicyVersion
from app.models.user import User
from app.people import accounts, sessions


class WrongPassword(accounts.AccountError):
    """The current password typed to change it is not the right one."""


@dataclass(frozen=True)
class ModuleRow:
    """One module with the learner's status and the score that completed it."""

    title: str
    status: str
    required: bool
    completed_at: Any
    score: int | None


def modules_section(user: User, ctx: MeContext) -> MeSection:
    """Modules with status and score, and every submitted quiz attempt."""
    completions: dict[str, ModuleCompletion] = {}
    for row in db.session.scalars(
        select(ModuleCompletion)
        .where(ModuleCompletion.user_id == user.id)
        .order_by(ModuleCompletion.id)
    ):
        completions[row.module_slug] = row  # the latest completion wins
    titles: dict[str, str] = {}
    rows = []
    for item in progress.learner_modules(user):
        title = item.module.text(ctx.locale).title
        titles[item.module.slug] = title
        done = completions.get(item.module.slug) if item.status == progress.COMPLETED else None
        rows.append(
            ModuleRow(
                title, item.status, item.placed.required, item.completed_at, done and done.score
            )
        )
    attempts = list(
        db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user.id, QuizAttempt.submitted_at.is_not(None))
            .order_by(QuizAttempt.submitted_at.desc())
        )
    )
    return MeSection(
        "modules",
        _("Modules and quiz scores"),
        "me/_modules.html",
        {"modules": rows, "attempts": attempts, "titles": titles},
    )


def signatures(user: User) -> list[Acknowledgement]:
    """The person's policy signatures, newest first, with their version, texts and recorder."""
    return list(
        db.session.scalars(
            select(Acknowledgement)
            .join(PolicyVersion)
            .where(Acknowledgement.user_id == user.id)
            .options(
                selectinload(Acknowledgement.policy_version).selectinload(PolicyVersion.texts),
                joinedload(Acknowledgement.recorded_by),
                joinedload(Acknowledgement.user),
            )
            .order_by(PolicyVersion.version.desc())
        )
    )


def signatures_section(user: User, ctx: MeContext) -> MeSection:
    """Policy signatures with their receipts (and the scan of a paper signature)."""
    return MeSection("signatures", _("Policy signatures"), "me/_signatures.html", signatures(user))


def consent_section(user: User, ctx: MeContext) -> MeSection:
    """Current image-consent state per purpose and medium, and the full history."""
    titles = {pid: t.title for pid, t in texts.current_texts(ctx.locale).items()}
    states = decisions.states_for([user.id], ctx.today)
    current = [
        (titles.get(purpose_id, "—"), medium, state)
        for (_uid, purpose_id, medium), state in sorted(states.items())
    ]
    return MeSection(
        "image",
        _("My image"),
        "me/_image.html",
        {"current": current, "history": decisions.history(user.id), "titles": titles},
    )


BUILT_IN_SECTIONS: tuple[Callable[[User, MeContext], MeSection | None], ...] = (
    modules_section,
    signatures_section,
    consent_section,
)


def sections(user: User, ctx: MeContext) -> list[MeSection]:
    """The built-in sections, then other areas' (`hooks.me_sections`), that have something to show."""
    built_in = [section for build in BUILT_IN_SECTIONS if (section := build(user, ctx)) is not None]
    return built_in + hooks.me_sections.collect(user, ctx)


def change_password(
    user: User, current: str, new: str, confirm: str, *, client: ClientInfo
) -> None:
    """Change one's own password (the current one is required); every session is ended.

    The caller signs the person in again in this browser, so only the other sessions end.
    """
    if not user.check_password(current):
        audit.record(
            AuditAction.AUTH_PASSWORD_CHANGE_REFUSED,
            actor=user,
            subject=user,
            target_type="user",
            target_id=user.id,
            client=client,
        )
        db.session.commit()
        raise WrongPassword(_("Your current password is incorrect."))
    accounts.check_new_password(new, confirm, user)
    user.set_password(new)
    sessions.end_all(user, sessions.PASSWORD_CHANGED)
    audit.record(
        AuditAction.AUTH_PASSWORD_CHANGED,
        actor=user,
        subject=user,
        target_type="user",
        target_id=user.id,
        details={"other_sessions_ended": True},
        client=client,
    )
    db.session.commit()


def set_locale(user: User, locale: str) -> bool:
    """Remember the interface language on the account; False for an unknown language."""
    if locale not in current_app.config["CHARTE_LOCALES"]:
        return False
    if user.locale != locale:
        user.locale = locale
        db.session.commit()
    return True
