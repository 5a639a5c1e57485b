"""The module player and the quizzes: one step per screen, server-scored attempts, results."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.core import settings, typography
from app.learn import player, progress
from app.learn.content import catalog
from app.learn.content.catalog import ContentInvalid
from app.learn.quiz_pages import missed_concepts, open_question_html, questions_for
from app.learn.step_pages import step_body
from app.permissions import owned_or_404
from app.web import client_info

bp = Blueprint("learn", __name__)

IMAGE_MAX_AGE = 365 * 24 * 3600  # image URLs carry a content hash, so they never go stale


def _module_or_404(slug: str) -> catalog.Module:
    module = catalog.module_or_none(slug)
    if module is None:
        abort(404)
    return module


def _locale() -> str:
    return str(get_locale())


@bp.app_template_filter("org")
def fill_organisation(text: str) -> str:
    """Template filter: fill a content text's {{ variables }}, with the locale's typography."""
    return _filled(text or "", *organisation_fill_key())


def organisation_fill_key() -> tuple[str, tuple[tuple[str, str], ...]]:
    # A page fills thirty-odd texts: the language and the organisation's values are looked up
    # once per request (and again if a setting is saved meanwhile: the key names the settings).
    variables, locale = settings.organisation_variables(), _locale()
    kept = g.get("_charte_fill_key")
    if kept is not None and kept[0] == variables and kept[1][0] == locale:
        return kept[1]  # type: ignore[no-any-return]
    key = (locale, tuple(sorted(variables.items())))
    g._charte_fill_key = (variables, key)
    return key


@lru_cache(maxsize=4096)
def _filled(text: str, locale: str, variables: tuple[tuple[str, str], ...]) -> str:
    # Content titles and summaries are few and fixed: the learner home fills about thirty of
    # them per view, so each (text, language, organisation values) is filled once per process.
    # The organisation's values are part of the key: an admin's change shows at once.
    return typography.for_locale(catalog.fill(text, dict(variables)), locale)


@bp.app_errorhandler(ContentInvalid)
def content_invalid(exc: ContentInvalid):
    """Development: show every content error instead of a learning page."""
    current_app.logger.error("Invalid content: %s", "; ".join(map(str, exc.errors)))
    return render_template("learn/content_error.html", errors=exc.errors), 500


@bp.route("/<slug>")
@login_required
def module(slug: str):
    """Resume the module where the learner left off, on whichever device."""
    found = _module_or_404(slug)
    at = player.position(current_user, found)
    return redirect(url_for("learn.step", slug=slug, number=at.index + 1))


def _step_page(found: catalog.Module, number: int, answer=None):
    text = found.text(_locale())
    this = text.steps[number - 1]
    return render_template(
        "learn/step.html",
        text=text,
        step=this,
        step_body=step_body(found, this, number, _locale(), organisation_fill_key(), answer),
    )


@bp.route("/<slug>/<int:number>")
@login_required
def step(slug: str, number: int):
    """One step of a module, with previous/next and the step progress."""
    found = _module_or_404(slug)
    if not 1 <= number <= found.step_count:
        abort(404)
    return _step_page(found, number)


@bp.route("/<slug>/<int:number>/practice", methods=["POST"])
@login_required
def practice(slug: str, number: int):
    """Answer a "what would you do?" block: the same step with its feedback (nothing stored)."""
    found = _module_or_404(slug)
    if not 1 <= number <= found.step_count:
        abort(404)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    practice_id = request.form.get("practice", "")
    if found.text(_locale()).steps[number - 1].practice(practice_id) is None:
        abort(404)
    choice = request.form.get("choice", "")
    index = int(choice) if choice.isdigit() else None
    return _step_page(found, number, (practice_id, index))


@bp.route("/<slug>/<int:number>", methods=["POST"])
@login_required
def step_move(slug: str, number: int):
    """Record the step as seen and go to the previous or next one (or on to the quiz)."""
    found = _module_or_404(slug)
    if not 1 <= number <= found.step_count:
        abort(404)
    action = request.form.get("action", "next")
    target = number - 2 if action == "prev" else number
    at = player.record_step(current_user, found, number - 1, target)
    if action == "quiz" or (action == "next" and number == found.step_count):
        return _start_quiz(found, at.all_seen)
    return redirect(url_for("learn.step", slug=slug, number=at.index + 1))


def _start_quiz(found: catalog.Module, all_seen: bool):
    if not all_seen:
        flash(_("Read every step of the module before taking its quiz."), "warning")
        return redirect(url_for("learn.module", slug=found.slug))
    attempt = player.start_attempt(current_user, found)
    return redirect(url_for("learn.attempt", attempt_id=attempt.id))


@bp.route("/<slug>/again", methods=["POST"])
@login_required
def again(slug: str):
    """Go through a module again from its first step (its completion stays recorded)."""
    found = _module_or_404(slug)
    player.start_again(current_user, found)
    return redirect(url_for("learn.step", slug=slug, number=1))


@bp.route("/<slug>/quiz", methods=["POST"])
@login_required
def start_quiz(slug: str):
    """Open the quiz (a retake gets a fresh shuffle)."""
    found = _module_or_404(slug)
    return _start_quiz(found, player.position(current_user, found).all_seen)


def _next_module(done_slug: str) -> progress.ModuleStatus | None:
    """After a passed quiz: the next required module not completed yet, in the admin's order."""
    for item in progress.learner_modules(current_user):
        if (
            item.placed.required
            and item.status != progress.COMPLETED
            and item.module.slug != done_slug
        ):
            return item
    return None


def _attempt_page(attempt: player.Attempt, selected: dict[str, list[str]] | None = None):
    snapshot = player.snapshot_of(attempt)
    loaded = catalog.catalog()
    found = loaded.get(attempt.module_slug)
    variables = settings.organisation_variables()
    locale = _locale()
    submitted = attempt.submitted
    questions = questions_for(attempt, snapshot.definition, locale, variables) if submitted else []
    question_html = (
        []
        if submitted
        else open_question_html(attempt, snapshot.definition, locale, variables, selected or {})
    )
    missed = missed_concepts(
        attempt, snapshot.definition, found, loaded.policy, locale, variables, loaded.modules
    )
    named = found or loaded.named(attempt.module_slug)  # a retired module keeps its title
    title = named.text(locale).title if named else attempt.module_slug
    template = "learn/result.html" if submitted else "learn/quiz.html"
    return render_template(
        template,
        next_module=_next_module(attempt.module_slug) if attempt.passed else None,
        attempt=attempt,
        module=found,
        module_title=typography.for_locale(catalog.fill(title, variables), locale),
        questions=questions,
        question_html=question_html,
        missed=missed,
        drawn=bool(snapshot.definition.get("draw")),
        pass_mark=snapshot.definition["pass_mark"],
        selected=selected or {},
    )


@bp.route("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    """The quiz form of an open attempt, or the result of a submitted one."""
    found = player.attempt_record(attempt_id)
    return _attempt_page(owned_or_404(found, found.user_id if found else None))


@bp.route("/attempts/<int:attempt_id>", methods=["POST"])
@login_required
def submit(attempt_id: int):
    """Score the attempt once; a second submission just shows the recorded result."""
    found = player.attempt_record(attempt_id)
    if found is None:
        abort(404)
    owned_or_404(found, found.user_id)
    if found.submitted:
        flash(_("This quiz was already submitted; here is the recorded result."), "info")
        return redirect(url_for("learn.attempt", attempt_id=found.id))
    answers = {qid: request.form.getlist(f"q-{qid}") for qid in found.question_order}
    if not all(answers.values()):
        flash(_("Answer every question before submitting."), "error")
        return _attempt_page(found, selected=answers), 400
    module = catalog.catalog().get(found.module_slug)
    try:
        player.submit_attempt(
            current_user,
            found,
            request.form.get("attempt_token", ""),
            answers,
            module,
            client_info(),
        )
    except player.LearningError:
        abort(400)
    return redirect(url_for("learn.attempt", attempt_id=attempt_id))


@bp.route("/images/<path:filename>")
@login_required
def image(filename: str):
    """A module image, cached by the browser for a year (its URL changes with its content)."""
    folder = Path(current_app.config["CONTENT_DIR"]) / "modules" / "images"
    response = send_from_directory(folder, filename, max_age=IMAGE_MAX_AGE)
    response.cache_control.private = True
    response.cache_control.immutable = True
    return response
