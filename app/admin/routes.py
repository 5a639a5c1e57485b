"""The settings page, built from every setting the areas declared."""

from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.models.user import Role
from app.permissions import role_required
from app.services import settings
from app.web import client_info

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _sections() -> dict[str, list[settings.SettingSpec]]:
    grouped: dict[str, list[settings.SettingSpec]] = defaultdict(list)
    for spec in settings.REGISTRY.values():
        grouped[str(spec.section)].append(spec)
    return dict(grouped)


def _display(spec: settings.SettingSpec, value) -> str:
    if spec.kind == "list":
        return "\n".join(value)
    return "" if value is None else str(value)


@bp.route("/settings", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def settings_page():
    """Every instance setting, grouped by area; a change is saved only if every value is valid."""
    form = FlaskForm()
    errors: dict[str, str] = {}
    values = {key: _display(spec, settings.get(spec)) for key, spec in settings.REGISTRY.items()}
    if form.validate_on_submit():
        parsed = {}
        for key, spec in settings.REGISTRY.items():
            raw = request.form.get(key)
            values[key] = raw or ""
            try:
                parsed[key] = settings.parse(spec, raw)
            except settings.SettingError as exc:
                errors[key] = str(exc)
        if not errors:
            changed = settings.update(parsed, actor=current_user, client=client_info())
            flash(_("Settings saved (%(n)d changed).", n=len(changed)), "success")
            return redirect(url_for("admin.settings_page"))
        flash(_("Nothing was saved: correct the fields marked below."), "error")
    return render_template(
        "admin/settings.html", form=form, sections=_sections(), values=values, errors=errors
    )
