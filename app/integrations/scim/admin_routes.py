"""Admin page: what each group pushed by the identity provider maps to (a department or a role)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.core import settings
from app.extensions import db
from app.integrations.scim import groups
from app.models.user import MAPS_TO_DEPARTMENT, MAPS_TO_NOTHING, MAPS_TO_ROLE, Role, ScimGroup
from app.permissions import role_labels, role_required
from app.web import client_info

bp = Blueprint("scim_admin", __name__)


@bp.route("/groups", methods=["GET"])
@role_required(Role.ADMIN)
def groups_page():
    """Every group the directory pushed, its members and its mapping."""
    may_grant_admin = settings.get(groups.GROUPS_MAY_GRANT_ADMIN)
    roles = [
        (value, label)
        for value, label in role_labels().items()
        if value != Role.ADMIN.value or may_grant_admin
    ]
    return render_template(
        "integrations/scim_groups.html",
        groups=groups.all_groups(),
        counts=groups.member_counts(),
        roles=roles,
        role_names=role_labels(),
        form=FlaskForm(),
        kinds=(MAPS_TO_NOTHING, MAPS_TO_DEPARTMENT, MAPS_TO_ROLE),
    )


@bp.route("/groups/<int:group_id>", methods=["POST"])
@role_required(Role.ADMIN)
def map_group(group_id: int):
    """Save one group's mapping and apply it to its members at once."""
    group = db.get_or_404(ScimGroup, group_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    maps_to = request.form.get("maps_to", "")
    target = request.form.get("department" if maps_to == MAPS_TO_DEPARTMENT else "role", "")
    try:
        groups.set_mapping(group, maps_to, target, actor=current_user, client=client_info())
    except groups.MappingError as exc:
        flash(str(exc), "error")
    except Exception as exc:  # noqa: BLE001 - a member the mapping cannot change
        db.session.rollback()
        flash(str(getattr(exc, "detail", exc)), "error")
    else:
        flash(_("The mapping of %(name)s is saved.", name=group.display_name), "success")
    return redirect(url_for("scim_admin.groups_page"))
