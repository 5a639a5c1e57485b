"""Module administration: order and required set (admin), affected people per module (HR)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.core import settings
from app.learn import module_admin, progress
from app.learn.coverage_pages import coverage_map
from app.models.user import Role
from app.permissions import HR_READERS, role_required
from app.web import client_info

bp = Blueprint("learn_admin", __name__)


@bp.route("")
@role_required(*HR_READERS)
def modules():
    """Every module in order, with who must redo it, and the map of the policy's coverage."""
    locale = str(get_locale())
    return render_template(
        "learn/admin_modules.html",
        placed=progress.placed_modules(),
        affected=progress.affected_people(),
        coverage=coverage_map(locale, settings.organisation_variables()),
        locale=locale,
        form=FlaskForm(),
    )


@bp.route("/<slug>/move", methods=["POST"])
@role_required(Role.ADMIN)
def move(slug: str):
    """Move a module one place up or down."""
    direction = request.form.get("direction", "")
    if direction not in ("up", "down"):
        abort(400)
    if module_admin.move(slug, direction, actor=current_user, client=client_info()):
        flash(_("Order saved."), "success")
    return redirect(url_for("learn_admin.modules"))


@bp.route("/<slug>/required", methods=["POST"])
@role_required(Role.ADMIN)
def toggle_required(slug: str):
    """Make a module required or optional."""
    now_required = module_admin.toggle_required(slug, actor=current_user, client=client_info())
    if now_required is None:
        abort(404)
    flash(
        _("The module is now required.") if now_required else _("The module is now optional."),
        "success",
    )
    return redirect(url_for("learn_admin.modules"))
