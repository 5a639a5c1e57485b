"""The notification centre: a person's notices, opening one, marking them all read."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.extensions import db
from app.notifications import service, texts

bp = Blueprint("notifications", __name__)


@bp.route("")
@login_required
def index():
    """The person's latest notices, unread first in the eye (newest first in order)."""
    notices = service.latest(current_user.id)
    return render_template(
        "notifications/index.html",
        notices=[
            {"id": n.id, "text": texts.text(n), "at": n.created_at, "unread": n.read_at is None}
            for n in notices
        ],
        unread=sum(1 for n in notices if n.read_at is None),
        form=FlaskForm(),
    )


@bp.route("/<int:notification_id>/open", methods=["POST"])
@login_required
def open_one(notification_id: int):
    """Mark the notice read and go where it leads (back to the list when nowhere)."""
    found = service.mark_read(current_user.id, notification_id)
    if found is None:
        abort(404)
    target = texts.link(found) or url_for("notifications.index")
    db.session.commit()
    return redirect(target)


@bp.route("/read", methods=["POST"])
@login_required
def read_all():
    """Mark every notice read."""
    service.mark_all_read(current_user.id)
    db.session.commit()
    return redirect(url_for("notifications.index"))
