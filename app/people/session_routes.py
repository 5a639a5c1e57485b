"""Ending one's own sessions from the Me page: one browser, or every browser at once."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.people import sessions, signin
from app.people.auth_forms import SignOutForm
from app.web import client_info

bp = Blueprint("sessions", __name__)


@bp.route("/<int:session_id>/end", methods=["POST"])
@login_required
def end_one(session_id: int):
    """Sign out one of my browsers; another person's session, or an ended one, is 404."""
    if not SignOutForm().validate_on_submit():
        abort(400)
    this_browser = sessions.id_for_key(signin.current_key()) == session_id
    if not sessions.end_by_id(current_user._get_current_object(), session_id, client_info()):
        abort(404)
    if this_browser:
        signin.forget()
        flash(_("You are signed out."), "info")
        return redirect(url_for("auth.login"))
    flash(_("That browser is signed out."), "success")
    return redirect(url_for("me.index") + "#section-sessions")


@bp.route("/end-all", methods=["POST"])
@login_required
def end_all():
    """Sign out of every browser, this one included."""
    if not SignOutForm().validate_on_submit():
        abort(400)
    ended = sessions.end_everywhere(current_user._get_current_object(), client_info())
    signin.forget()
    flash(
        ngettext(
            "You are signed out of all your devices (%(num)d session ended).",
            "You are signed out of all your devices (%(num)d sessions ended).",
            ended,
        ),
        "info",
    )
    return redirect(url_for("auth.login"))
