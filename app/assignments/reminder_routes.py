"""HR sends reminders to a filtered set of people and sees when each was last reminded."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm

from app.assignments import reminders
from app.core.mail import mail_configured
from app.extensions import db, limiter
from app.models.types import utcnow
from app.models.user import Role, User
from app.people import directory
from app.permissions import HR_READERS, role_required
from app.web import client_info

bp = Blueprint("reminders", __name__)

SEND_LIMIT = "20 per minute"  # a click per person, not a script: sending is audited anyway


def _filters() -> tuple[str, bool]:
    source = request.form if request.method == "POST" else request.args
    return source.get("department", "")[:120], source.get("overdue") == "1"


@bp.route("")
@role_required(*HR_READERS)
def index():
    """Who would be reminded with these filters, and when each person was last reminded."""
    department, overdue_only = _filters()
    found = reminders.preview(utcnow().date(), department, overdue_only)
    return render_template(
        "reminders/index.html",
        people=found.people,
        total=found.total,
        to_remind=found.to_remind,
        department=department,
        overdue_only=overdue_only,
        departments=directory.departments(),
        mail_ready=mail_configured(),
        today=utcnow().date(),
        form=FlaskForm(),
    )


def _flash_report(report: reminders.RunReport) -> None:
    how = (
        _("by email and in the app")
        if mail_configured() and current_app.config.get("CHARTE_BASE_URL")
        else _("in the app (mail is not configured)")
    )
    flash(
        ngettext(
            "%(num)d reminder sent %(how)s.",
            "%(num)d reminders sent %(how)s.",
            len(report.sent),
            how=how,
        )
        + " "
        + ngettext(
            "%(num)d skipped (reminded recently).",
            "%(num)d skipped (reminded recently).",
            report.skipped,
        )
        + (
            " " + ngettext("%(num)d failed.", "%(num)d failed.", len(report.failed))
            if report.failed
            else ""
        ),
        "error" if report.failed else "success",
    )


@bp.route("", methods=["POST"])
@role_required(Role.HR)
@limiter.limit(SEND_LIMIT)
def send():
    """Send the reminders for the filtered set (people reminded recently are skipped): in the
    app always, by email too when mail is configured."""
    department, overdue_only = _filters()
    back = url_for(
        "reminders.index", department=department or None, overdue="1" if overdue_only else None
    )
    report = reminders.send(
        utcnow().date(),
        current_app.config.get("CHARTE_BASE_URL"),
        current_user,
        client_info(),
        department=department,
        overdue_only=overdue_only,
    )
    _flash_report(report)
    return redirect(back)


@bp.route("/people/<int:user_id>", methods=["POST"])
@role_required(Role.HR)
@limiter.limit(SEND_LIMIT)
def send_one(user_id: int):
    """Remind one person now (unless reminded recently): in the app, and by email if possible."""
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    department, overdue_only = _filters()
    report = reminders.send(
        utcnow().date(),
        current_app.config.get("CHARTE_BASE_URL"),
        current_user,
        client_info(),
        user_ids=[person.id],
    )
    _flash_report(report)
    return redirect(
        url_for(
            "reminders.index",
            department=department or None,
            overdue="1" if overdue_only else None,
        )
    )
