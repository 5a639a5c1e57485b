"""Content authoring pages (HR and admins): drafts of modules, quizzes and consent texts.

Every edit page has a "Preview" button (no JavaScript needed) and "Save in the draft"; a save
that adds a validation error to the file is refused and shown next to the field, and changes
nothing. A text in one language only is saved, but the draft cannot be published until both
languages are there.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.core import content_store
from app.learn.authoring import drafts, module_page, pages, questions, steps
from app.learn.authoring.forms import DraftForm, FileForm, QuestionForm, StepForm
from app.learn.content.types import LOCALES
from app.models.user import Role
from app.permissions import role_required
from app.web import client_info

bp = Blueprint("authoring", __name__)
AUTHORS = (Role.HR,)  # admins hold HR's rights


def _path_or_404(path: str) -> str:
    if not content_store.valid_path(path):
        abort(404)
    return path


@bp.route("")
@role_required(*AUTHORS)
def index():
    """Every module, quiz and consent text with its languages, and the drafts."""
    effective = content_store.effective_files()
    return render_template(
        "learn/authoring/index.html",
        rows=pages.rows(effective, set(content_store.published_files()), set()),
        drafts=drafts.open_drafts(),
        history=pages.published_history(),
        form=DraftForm(),
    )


@bp.route("/drafts", methods=["POST"])
@role_required(*AUTHORS)
def create():
    """Start a draft."""
    form = DraftForm()
    if not form.validate_on_submit():
        abort(400)
    draft = drafts.create(form.title.data, actor=current_user, client=client_info())
    return redirect(url_for("authoring.draft", draft_id=draft.id))


@bp.route("/drafts/<int:draft_id>")
@role_required(*AUTHORS)
def draft(draft_id: int):
    """A draft: what it changes, its validation and translation status, publish."""
    found = module_page.draft_or_404(draft_id)
    mine = drafts.files(found)
    validation = drafts.validate_files(mine) if found.state == "open" else None
    return render_template(
        "learn/authoring/draft.html",
        draft=found,
        files=sorted(mine),
        history=pages.draft_history(found.id),
        validation=validation,
        rows=pages.rows({**content_store.effective_files(), **mine}, set(), set(mine)),
        one_language=validation is not None and any(map(drafts.is_translation, validation.errors)),
        form=FlaskForm(),
    )


@bp.route("/drafts/<int:draft_id>/modules/<slug>")
@role_required(*AUTHORS)
def module(draft_id: int, slug: str):
    """A module in the draft: steps and questions to edit, its settings, retire or restore it."""
    return module_page.render(module_page.draft_or_404(draft_id), slug)


def _question_page(found, slug, number, form, errors, preview, status=200):
    return (
        render_template(
            "learn/authoring/question.html",
            draft=found,
            slug=slug,
            number=number,
            form=form,
            errors=errors,
            preview=preview,
            locales=LOCALES,
        ),
        status,
    )


@bp.route("/drafts/<int:draft_id>/quizzes/<slug>/<int:number>", methods=["GET", "POST"])
@role_required(*AUTHORS)
def question(draft_id: int, slug: str, number: int):
    """Edit question `number` of a quiz (one past the last adds a question)."""
    found = module_page.draft_or_404(draft_id, editing=request.method == "POST")
    path = _path_or_404(f"quizzes/{slug}.yaml")
    text = drafts.current_text(found, path)
    if text is None:
        abort(404)
    try:
        existing = questions.parse(text)["questions"]
    except questions.QuizFileError:
        return redirect(url_for("authoring.edit_file", draft_id=draft_id, path=path))
    if not 1 <= number <= len(existing) + 1:
        abort(404)
    index = number - 1
    if request.method == "GET":
        current = existing[index] if index < len(existing) else {"type": "single"}
        form = QuestionForm(data=questions.to_form(current if isinstance(current, dict) else {}))
        return _question_page(found, slug, number, form, [], None)
    form = QuestionForm()
    if not form.validate_on_submit():
        return _question_page(found, slug, number, form, [], None, 400)
    edited = questions.from_form(form.data)
    new_text = questions.replace(text, index if index < len(existing) else None, edited)
    preview = {loc: pages.question_preview(edited, loc) for loc in LOCALES}
    added, after = drafts.check_edit(found, {path: new_text})
    general = []
    for error in [e for e in after if e in added or drafts.is_translation(e)]:
        name = questions.field_of(error, index)
        if name:
            getattr(form, name).errors = [*getattr(form, name).errors, error.message]
        elif error in added:  # another question, or the whole quiz (draw, cues)
            general.append(error)
    if form.save.data and not added:
        drafts.save_files(found, {path: new_text}, actor=current_user, client=client_info())
        flash(_("Question saved in the draft."), "success")
        return redirect(url_for("authoring.module", draft_id=draft_id, slug=slug))
    return _question_page(found, slug, number, form, general, preview, 422 if added else 200)


def _step_page(found, slug, number, form, preview, status=200):
    page = render_template(
        "learn/authoring/step.html",
        draft=found,
        slug=slug,
        number=number,
        form=form,
        preview=preview,
        locales=LOCALES,
    )
    return page, status


@bp.route("/drafts/<int:draft_id>/modules/<slug>/steps/<int:number>", methods=["GET", "POST"])
@role_required(*AUTHORS)
def step(draft_id: int, slug: str, number: int):
    """Edit step `number` of a module in both languages."""
    found = module_page.draft_or_404(draft_id, editing=request.method == "POST")
    paths = {loc: _path_or_404(f"content/modules/{slug}.{loc}.md") for loc in LOCALES}
    texts = {loc: drafts.current_text(found, p) for loc, p in paths.items()}
    read = {loc: steps.read(t or "", number) for loc, t in texts.items()}
    if read[LOCALES[0]] is None:
        abort(404)
    form = StepForm()
    if request.method == "GET":
        for loc, pair in read.items():
            title, body = pair or ("", "")
            getattr(form, f"title_{loc}").data = title
            getattr(form, f"body_{loc}").data = body
        return _step_page(found, slug, number, form, None)
    if not form.validate_on_submit():
        abort(400)
    changes = {}
    for loc in LOCALES:
        current = texts[loc]
        if current is not None and read[loc] is not None:
            title, body = form.data[f"title_{loc}"], form.data[f"body_{loc}"]
            changes[paths[loc]] = steps.write(current, number, title, body)
    added, _after = drafts.check_edit(found, changes)
    for error in added:
        loc = content_store.slug_locale(error.file)[1] or LOCALES[0]
        target = getattr(form, f"body_{loc}", form.body_fr)
        target.errors = [*target.errors, f"{error.where}: {error.message}"]
    if form.save.data and not added:
        drafts.save_files(found, changes, actor=current_user, client=client_info())
        flash(_("Step saved in the draft."), "success")
        return redirect(url_for("authoring.module", draft_id=draft_id, slug=slug))
    preview = {loc: pages.step_html(form.data[f"body_{loc}"], loc) for loc in LOCALES}
    return _step_page(found, slug, number, form, preview, 422 if added else 200)


@bp.route("/drafts/<int:draft_id>/file", methods=["GET", "POST"])
@role_required(*AUTHORS)
def edit_file(draft_id: int):
    """Edit (or create) one whole file: front matter, steps and practice, quiz pools and draw."""
    found = module_page.draft_or_404(draft_id, editing=request.method == "POST")
    path = _path_or_404(request.args.get("path", ""))
    form = FileForm()
    if request.method == "GET":
        form.text.data = drafts.current_text(found, path) or ""
        return render_template(
            "learn/authoring/file.html", draft=found, path=path, form=form, preview=None
        )
    if not form.validate_on_submit():
        abort(400)
    text = (form.text.data or "").replace("\r\n", "\n")
    added, after = drafts.check_edit(found, {path: text})
    form.text.errors = [
        f"{e.where}: {e.message}"
        for e in after
        if e.file == path and (e in added or drafts.is_translation(e))
    ]
    status = 422 if added else 200
    if form.save.data and not added:
        try:
            drafts.save_files(found, {path: text}, actor=current_user, client=client_info())
        except drafts.DraftError as refused:  # e.g. `retired:` changed by someone not admin
            form.text.errors = [*form.text.errors, str(refused)]
            status = 422
        else:
            flash(_("File saved in the draft."), "success")
            return redirect(url_for("authoring.draft", draft_id=draft_id))
    page = render_template(
        "learn/authoring/file.html",
        draft=found,
        path=path,
        form=form,
        preview=pages.file_html(path, text),
    )
    return page, status


@bp.route("/drafts/<int:draft_id>/preview/<slug>/<locale>")
@role_required(*AUTHORS)
def preview(draft_id: int, slug: str, locale: str):
    """A module and its quiz with the draft applied, as an employee sees them in that language."""
    found = module_page.draft_or_404(draft_id)
    if locale not in LOCALES:
        abort(404)
    loaded = pages.catalog_with(drafts.files(found))
    module, step_views = pages.module_preview(loaded, slug, locale)
    if module is None and not any(
        e.file.endswith(f"/{slug}.{locale}.md") or e.file == f"quizzes/{slug}.yaml"
        for e in loaded.errors
    ):
        abort(404)
    quiz = (
        [pages.question_preview(q, locale) for q in module.quiz.definition["questions"]]
        if module
        else []
    )
    return render_template(
        "learn/authoring/preview.html",
        draft=found,
        slug=slug,
        locale=locale,
        module=module,
        steps=step_views,
        quiz=quiz,
        errors=loaded.errors,
    )


@bp.route("/drafts/<int:draft_id>/publish", methods=["POST"])
@role_required(*AUTHORS)
def publish(draft_id: int):
    """Publish the draft when it validates in both languages."""
    found = module_page.draft_or_404(draft_id, editing=True)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        result = drafts.publish(found, actor=current_user, client=client_info())
    except drafts.DraftError as refused:  # a retirement, and the publisher is not an admin
        flash(_("Not published: %(reason)s.", reason=str(refused)), "error")
        return redirect(url_for("authoring.draft", draft_id=draft_id))
    if result.ok:
        flash(_("Published: employees get the new content from now on."), "success")
        return redirect(url_for("authoring.index"))
    flash(_("Not published: fix the problems listed below first."), "error")
    return redirect(url_for("authoring.draft", draft_id=draft_id))


@bp.route("/drafts/<int:draft_id>/discard", methods=["POST"])
@role_required(*AUTHORS)
def discard(draft_id: int):
    """Close the draft without publishing it."""
    found = module_page.draft_or_404(draft_id, editing=True)
    if not FlaskForm().validate_on_submit():
        abort(400)
    drafts.discard(found, actor=current_user, client=client_info())
    flash(_("Draft discarded."), "success")
    return redirect(url_for("authoring.index"))
