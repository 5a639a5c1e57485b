"""The administrator's consent purposes: import texts, default durations, (de)activation."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.consent import texts
from app.extensions import db
from app.models.consent import ConsentPurpose
from app.models.user import Role
from app.permissions import role_required
from app.web import client_info

bp = Blueprint("consent_admin", __name__)


@bp.route("")
@role_required(Role.ADMIN)
def purposes():
    """Every purpose with its text versions, default duration and whether it is in use."""
    locale = str(get_locale())
    return render_template(
        "consent_admin/purposes.html",
        purposes=texts.purposes(),
        titles=texts.titles(locale),
        versions=texts.versions(locale),
        form=FlaskForm(),
    )


def _checked_form() -> None:
    if not FlaskForm().validate_on_submit():
        abort(400)


@bp.route("/sync", methods=["POST"])
@role_required(Role.ADMIN)
def sync():
    """Import new purposes and text versions from content/consent."""
    _checked_form()
    try:
        report = texts.sync_from_files(actor=current_user, client=client_info())
    except texts.ConsentTextError as exc:
        flash(_("Nothing was imported: %(error)s", error=str(exc)), "error")
        return redirect(url_for("consent_admin.purposes"))
    flash(
        _(
            "Import done: %(first)s, %(second)s.",
            first=ngettext(
                "%(num)d new purpose", "%(num)d new purposes", len(report.purposes_created)
            ),
            second=ngettext(
                "%(num)d new text version", "%(num)d new text versions", len(report.texts_added)
            ),
        ),
        "success",
    )
    if report.conflicts:
        flash(
            _(
                "These files changed without a new version number and were not imported (give "
                "them a new version): %(files)s",
                files=", ".join(report.conflicts),
            ),
            "warning",
        )
    return redirect(url_for("consent_admin.purposes"))


@bp.route("/<int:purpose_id>/duration", methods=["POST"])
@role_required(Role.ADMIN)
def duration(purpose_id: int):
    """Set the default duration of new grants for one purpose."""
    _checked_form()
    purpose = db.get_or_404(ConsentPurpose, purpose_id)
    try:
        months = int(request.form.get("months", ""))
        changed = texts.set_duration(purpose, months, actor=current_user, client=client_info())
    except ValueError:
        flash(_("Choose a duration between 1 and 120 months."), "error")
    else:
        if changed:
            flash(_("Default duration saved."), "success")
    return redirect(url_for("consent_admin.purposes"))


@bp.route("/<int:purpose_id>/active", methods=["POST"])
@role_required(Role.ADMIN)
def active(purpose_id: int):
    """Stop asking about a purpose, or ask again."""
    _checked_form()
    purpose = db.get_or_404(ConsentPurpose, purpose_id)
    wanted = request.form.get("active") == "1"
    if texts.set_active(purpose, wanted, actor=current_user, client=client_info()):
        flash(
            _("The purpose is in use again.")
            if wanted
            else _("The purpose is no longer asked about; recorded decisions are kept."),
            "success",
        )
    return redirect(url_for("consent_admin.purposes"))
