"""A manager's pages: their team with this week's digest, one report, and a reminder to send."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.assignments import due_labels, reminders
from app.core import settings
from app.hr_reports import exports, people_status, team
from app.models.types import utcnow
from app.models.user import Role
from app.people.managers import is_manager
from app.permissions import SAFE_METHODS
from app.web import client_info

bp = Blueprint("team", __name__)
F = TypeVar("F", bound=Callable[..., Any])


def manager_required(view: F) -> F:
    """Sign-in and at least one active report (a manager is derived, not a role), else 403."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not is_manager(current_user):
            abort(403)
        if current_user.role == Role.AUDITOR and request.method not in SAFE_METHODS:
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


@bp.route("/")
@manager_required
def index():
    """Everyone below the manager, who is late, and the week's digest."""
    today = utcnow().date()
    rows = team.rows(current_user, today)
    return render_template(
        "team/index.html",
        rows=rows,
        digest=team.digest(current_user, rows, today),
        policy_labels=exports.policy_state_labels(),
        see_scores=bool(settings.get(team.SEE_QUIZ_SCORES)),
        form=FlaskForm(),
    )


@bp.route("/<int:user_id>")
@manager_required
def person(user_id: int):
    """One report: progress, due items, signature state, publishable yes/no (404 outside)."""
    member = team.member_or_404(current_user, user_id)
    today = utcnow().date()
    status = people_status.statuses([member], today)[0]
    return render_template(
        "team/person.html",
        person=member,
        status=status,
        today=today,
        items=[
            {
                "label": due_labels.label(i.key, member.locale),
                "due_on": i.due_on,
                "done": i.done,
                "overdue": i.overdue(today),
            }
            for i in status.due.items
        ],
        publishable=status.consent_granted > 0,
        policy_labels=exports.policy_state_labels(),
        form=FlaskForm(),
    )


@bp.route("/<int:user_id>/remind", methods=["POST"])
@manager_required
def remind(user_id: int):
    """Remind one report of what they have overdue or due soon (audited, interval respected)."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    member = team.member_or_404(current_user, user_id)
    outcome = reminders.remind_one(
        member, utcnow().date(), request.host_url.rstrip("/"), current_user, client_info()
    )
    messages = {
        "sent": (_("%(name)s was reminded.", name=member.full_name), "success"),
        "skipped": (_("%(name)s was reminded recently.", name=member.full_name), "info"),
        "nothing": (_("%(name)s has nothing due.", name=member.full_name), "info"),
        "failed": (_("The reminder could not be sent; try again later."), "error"),
    }
    text, category = messages[outcome]
    flash(text, category)
    if request.form.get("back") == "person":
        return redirect(url_for("team.person", user_id=member.id))
    return redirect(url_for("team.index"))
