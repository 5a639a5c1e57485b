"""HR sends reminders to a filtered set of people and sees when each was last reminded."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm

from app.assignments import reminders
from app.core.mail import mail_configured
from app.models.types import utcnow
from app.models.user import Role
from app.people import directory
from app.permissions import HR_READERS, role_required
from app.web import client_info

bp = Blueprint("reminders", __name__)


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


@bp.route("", methods=["POST"])
@role_required(Role.HR)
def send():
    """Send the reminders for the filtered set (people reminded recently are skipped)."""
    department, overdue_only = _filters()
    back = url_for(
        "reminders.index", department=department or None, overdue="1" if overdue_only else None
    )
    if not mail_configured():
        flash(_("Mail is not configured: no reminder was sent."), "error")
        return redirect(back)
    base_url = current_app.config["CHARTE_BASE_URL"]
    report = reminders.send(
        utcnow().date(),
        base_url,
        current_user,
        client_info(),
        department=department,
        overdue_only=overdue_only,
    )
    flash(
        _(
            "%(sent)s, %(skipped)s, %(failed)s.",
            sent=ngettext("%(num)d reminder sent", "%(num)d reminders sent", len(report.sent)),
            skipped=ngettext(
                "%(num)d skipped (reminded recently)",
                "%(num)d skipped (reminded recently)",
                report.skipped,
            ),
            failed=ngettext("%(num)d failed", "%(num)d failed", len(report.failed)),
        ),
        "error" if report.failed else "success",
    )
    return redirect(back)
