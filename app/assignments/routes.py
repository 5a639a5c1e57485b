"""HR assigns modules to a department or to people with a due date, and follows progress."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.assignments import targeting
from app.assignments.forms import AssignmentForm
from app.learn.content import catalog
from app.models.user import Role
from app.people import directory
from app.permissions import HR_READERS, role_required
from app.web import client_info

bp = Blueprint("assignments", __name__)


def _form() -> tuple[AssignmentForm, list, str]:
    form = AssignmentForm()
    locale = getattr(current_user, "locale", "fr")
    form.module.choices = [
        (m.slug, catalog.fill(m.text(locale).title, {})) for m in catalog.catalog().modules
    ]
    form.department.choices = [("", _("No department: the people ticked below"))] + [
        (d, d) for d in directory.departments()
    ]
    q = request.args.get("q", "")[:100]
    people = targeting.search_people(q)
    form.people.choices = [(p.id, f"{p.full_name} <{p.email}>") for p in people]
    return form, people, q


def _page(form: AssignmentForm, q: str, status: int = 200):
    titles = dict(form.module.choices)
    return (
        render_template(
            "assignments/index.html",
            form=form,
            q=q,
            rows=targeting.overview(),
            titles=titles,
        ),
        status,
    )


@bp.route("")
@role_required(*HR_READERS)
def index():
    """The assignment form (with a people search that works without JavaScript) and the list."""
    form, _people, q = _form()
    return _page(form, q)


@bp.route("", methods=["POST"])
@role_required(Role.HR)
def create():
    """Record an assignment; the people concerned see it on their home page."""
    form, _people, q = _form()
    if not form.validate_on_submit():
        return _page(form, q, 400)
    try:
        targeting.create(
            form.module.data,
            form.department.data,
            list(form.people.data or []),
            form.due_on.data,
            actor=current_user,
            client=client_info(),
        )
    except targeting.AssignmentError:
        flash(_("This assignment could not be made: check the module and the people."), "error")
        return _page(form, q, 400)
    flash(_("Module assigned."), "success")
    return redirect(url_for("assignments.index"))
