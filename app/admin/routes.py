"""Administration: the settings page (built from every declared setting) and roles."""

from __future__ import annotations

from collections import defaultdict

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

from app import deployment
from app.core import settings, when
from app.extensions import db
from app.models.user import Role, User
from app.people import roles as roles_service
from app.permissions import role_labels, role_required
from app.web import client_info

bp = Blueprint("admin", __name__)


def _sections() -> dict[str, list[settings.SettingSpec]]:
    grouped: dict[str, list[settings.SettingSpec]] = defaultdict(list)
    for spec in settings.declared().values():
        grouped[str(spec.section)].append(spec)
    return dict(grouped)


def _display(spec: settings.SettingSpec, value) -> str:
    if spec.kind == "list":
        return "\n".join(value)
    return "" if value is None else str(value)


def _submitted(spec: settings.SettingSpec) -> str | None:
    """What the form sent for one setting.

    A checkbox sends nothing when unticked, so the page puts a hidden empty field of the same
    name before it: the box is ticked when any value sent under that name is non-empty.
    """
    if spec.kind == "bool":
        sent = request.form.getlist(spec.key)
        return next((value for value in sent if value), "")
    return request.form.get(spec.key)


@bp.route("/settings", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def settings_page():
    """Every instance setting, grouped by area; a change is saved only if every value is valid."""
    form = FlaskForm()
    errors: dict[str, str] = {}
    values = {key: _display(spec, settings.get(spec)) for key, spec in settings.declared().items()}
    if form.validate_on_submit():
        parsed = {}
        for key, spec in settings.declared().items():
            raw = _submitted(spec)
            values[key] = raw or ""
            try:
                parsed[key] = settings.parse(spec, raw)
            except settings.SettingError as exc:
                errors[key] = str(exc)
        if not errors:
            changed = settings.update(parsed, actor=current_user, client=client_info())
            flash(
                ngettext(
                    "Settings saved (%(num)d changed).",
                    "Settings saved (%(num)d changed).",
                    len(changed),
                ),
                "success",
            )
            return redirect(url_for("admin.settings_page"))
        flash(_("Nothing was saved: correct the fields marked below."), "error")
    return render_template(
        "admin/settings.html",
        form=form,
        sections=_sections(),
        values=values,
        errors=errors,
        time_zones=when.zone_choices(values.get(when.TIME_ZONE.key, "")),
        # Production refuses to start in this state; elsewhere the admin sees why limits leak.
        deployment_warning=deployment.shared_rate_limit_problem(current_app),
    )


@bp.route("/roles")
@role_required(Role.ADMIN)
def roles():
    """Everyone with their role, searchable; each row changes one person's role."""
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    q = request.args.get("q", "")[:100]
    role = request.args.get("role", "")
    role = role if role in {r.value for r in Role} else ""
    return render_template(
        "admin/roles.html",
        result=roles_service.people(q, role, page),
        q=q,
        role=role,
        labels=role_labels(),
        form=FlaskForm(),
    )


@bp.route("/roles/<int:user_id>", methods=["POST"])
@role_required(Role.ADMIN)
def change_role(user_id: int):
    """Give one person another role (audited)."""
    person = db.get_or_404(User, user_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    wanted = request.form.get("role", "")
    if wanted not in {r.value for r in Role}:
        abort(400)
    try:
        changed = roles_service.change_role(
            person, Role(wanted), actor=current_user, client=client_info()
        )
    except roles_service.RoleError as exc:
        flash(str(exc), "error")
    else:
        if changed:
            flash(
                _(
                    "%(name)s is now: %(role)s.",
                    name=person.full_name,
                    role=role_labels()[wanted],
                ),
                "success",
            )
    return redirect(url_for("admin.roles", q=request.form.get("q") or None))
