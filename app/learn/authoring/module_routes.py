"""A module's settings, its quiz's settings, and retiring or restoring it, in a draft.

The settings forms write the front matter and the quiz's top-level keys back in place
(app.learn.authoring.file_settings): a form sent back unchanged changes nothing. Values are
judged by the content check; a save that adds an error is refused, shown next to the field,
and saves nothing. Retiring and restoring are an administrator's, confirmed on a page of their
own, and take effect for employees when the draft is published.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import Field

from app.learn.authoring import drafts, file_settings, module_page, retirement
from app.learn.authoring.forms import ConfirmForm, ModuleSettingsForm, QuizSettingsForm
from app.learn.content.types import LOCALES, ContentError
from app.models.user import Role
from app.permissions import role_required
from app.web import client_info

bp = Blueprint("authoring_modules", __name__)
AUTHORS = (Role.HR,)  # admins hold HR's rights


def _add_error(field: Field, message: str) -> None:
    field.errors = [*field.errors, message]


def _refused_or_invalid(form) -> bool:
    """True when the form has errors to show; a missing or stale CSRF token is a 400."""
    if form.validate_on_submit():
        return False
    if form.csrf_token.errors or not form.is_submitted():
        abort(400)
    return True


def _place_errors(form, errors: list[ContentError], field_of) -> list[ContentError]:
    """Put each error next to its field; return those that belong to no field."""
    general = []
    for error in errors:
        name = field_of(error)
        if name and name in form:
            _add_error(form[name], error.message)
        else:
            general.append(error)
    return general


@bp.route("/drafts/<int:draft_id>/modules/<slug>/settings", methods=["POST"])
@role_required(*AUTHORS)
def module_settings(draft_id: int, slug: str):
    """Save the module's titles, summaries, duration, order, required flag, version, sections."""
    found = module_page.draft_or_404(draft_id, editing=True)
    paths = module_page.module_paths_or_404(slug)
    texts = {path: drafts.current_text(found, path) for path in paths}
    if any(text is None for text in texts.values()):
        abort(404)
    form = ModuleSettingsForm()
    if _refused_or_invalid(form):
        return module_page.render(found, slug, module_form=form, status=422)
    try:
        teaches = file_settings.parse_teaches(form.teaches.data or "")
    except ValueError as bad:
        _add_error(
            form.teaches,
            _("Write each line as a section id, a colon and step numbers, e.g. scope: 1, 2 "
              "(not “%(line)s”).", line=str(bad)),
        )  # fmt: skip
        return module_page.render(found, slug, module_form=form, status=422)
    changes = {}
    try:
        for locale, path in zip(LOCALES, paths, strict=True):
            values = {
                key: (form[f"{key}_{locale}"].data or "").replace("\r\n", "\n")
                for key in file_settings.MODULE_TEXT_KEYS
            }
            values.update(
                minutes=form.minutes.data,
                order=form.order.data,
                required=bool(form.required.data),
                version=form.version.data,
                teaches=teaches,
            )
            changes[path] = file_settings.write_module(texts[path] or "", values)
    except file_settings.SettingsError:
        return _whole_file_instead(draft_id, paths[0])
    added, _after = drafts.check_edit(found, changes, everywhere=True)
    if added:
        general = _place_errors(
            form, added, lambda e: file_settings.module_field(e, changes.get(e.file, ""))
        )
        return module_page.render(found, slug, module_form=form, errors=general, status=422)
    if drafts.save_files(found, changes, actor=current_user, client=client_info()):
        flash(_("Module settings saved in the draft."), "success")
    else:
        flash(_("Nothing changed."), "info")
    return redirect(url_for("authoring.module", draft_id=draft_id, slug=slug))


@bp.route("/drafts/<int:draft_id>/quizzes/<slug>/settings", methods=["POST"])
@role_required(*AUTHORS)
def quiz_settings(draft_id: int, slug: str):
    """Save the quiz's version, pass mark and how many questions an attempt draws."""
    found = module_page.draft_or_404(draft_id, editing=True)
    module_page.module_paths_or_404(slug)
    path = module_page.quiz_path(slug)
    text = drafts.current_text(found, path)
    if text is None:
        abort(404)
    form = QuizSettingsForm()
    if _refused_or_invalid(form):
        return module_page.render(found, slug, quiz_settings=form, status=422)
    values = {"version": form.quiz_version.data, "pass_mark": form.pass_mark.data}
    values["draw"] = form.draw.data  # None (left empty): every attempt has every question
    try:
        changes = {path: file_settings.write_quiz(text, values)}
    except file_settings.SettingsError:
        return _whole_file_instead(draft_id, path)
    added, _after = drafts.check_edit(found, changes, everywhere=True)
    if added:
        general = _place_errors(form, added, file_settings.quiz_field)
        return module_page.render(found, slug, quiz_settings=form, errors=general, status=422)
    if drafts.save_files(found, changes, actor=current_user, client=client_info()):
        flash(_("Quiz settings saved in the draft."), "success")
    else:
        flash(_("Nothing changed."), "info")
    return redirect(url_for("authoring.module", draft_id=draft_id, slug=slug))


def _whole_file_instead(draft_id: int, path: str):
    # The file changed meanwhile into something the form cannot rewrite line by line.
    flash(_("This file cannot be changed field by field: edit it as a whole."), "error")
    return redirect(url_for("authoring.edit_file", draft_id=draft_id, path=path))


def _retirement(draft_id: int, slug: str, retire: bool):
    found = module_page.draft_or_404(draft_id, editing=True)
    module_page.module_paths_or_404(slug)
    if retirement.retired_in(found, slug) == retire:
        abort(404)  # already as asked: nothing to confirm
    form = ConfirmForm()
    errors: list[ContentError] = []
    if form.is_submitted():
        if not form.validate():
            abort(400)
        try:
            errors = retirement.set_retired(
                found, slug, retire, actor=current_user, client=client_info()
            )
        except drafts.DraftError:
            abort(404)
        if not errors:
            flash(
                _("Retirement saved in the draft: employees stop seeing the module once the "
                  "draft is published.")
                if retire
                else _("Restoration saved in the draft: employees see the module again once "
                       "the draft is published."),
                "success",
            )  # fmt: skip
            return redirect(url_for("authoring.module", draft_id=draft_id, slug=slug))
    page = render_template(
        "learn/authoring/retire.html",
        draft=found,
        slug=slug,
        retire=retire,
        evidence=retirement.evidence_of(slug),
        errors=errors,
        form=form,
    )
    return page, 422 if errors else 200


@bp.route("/drafts/<int:draft_id>/modules/<slug>/retire", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def retire(draft_id: int, slug: str):
    """Confirm, then retire the module in the draft (administrators only)."""
    return _retirement(draft_id, slug, retire=True)


@bp.route("/drafts/<int:draft_id>/modules/<slug>/restore", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def restore(draft_id: int, slug: str):
    """Confirm, then bring a retired module back in the draft (administrators only)."""
    return _retirement(draft_id, slug, retire=False)
