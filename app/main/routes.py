"""Home page, language switch and health check."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_login import current_user, login_required
from sqlalchemy import text

from app.assignments import due as assignments
from app.assignments import reminders
from app.consent import publication
from app.extensions import csrf, db
from app.learn import progress
from app.main import next_step
from app.models.types import utcnow
from app.permissions import CONSENT_MANAGERS
from app.web import safe_next

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home():
    """The signed-in person's starting page: their modules, progress and what needs attention."""
    # The person's completions, read once for their modules and their due dates.
    mine = progress.completions_by_user([current_user.id])
    modules = progress.learner_modules(current_user, mine.get(current_user.id, []))
    required = [m for m in modules if m.placed.required]
    consent_reviews = None
    today = utcnow().date()
    if current_user.has_role(*CONSENT_MANAGERS):
        consent_reviews = publication.review_count(today)
    summary = assignments.summaries([current_user], today, completions=mine)[current_user.id]
    locale = str(get_locale())
    return render_template(
        "main/home.html",
        modules=modules,
        required_done=sum(1 for m in required if m.status == progress.COMPLETED),
        required_total=len(required),
        consent_reviews=consent_reviews,
        due=next_step.due_list(current_user, locale, today, modules, summary),
        next_action=next_step.next_action(current_user, locale, today, modules, summary),
        reminders_received=reminders.received(current_user),
    )


@bp.route("/next")
@login_required
def next_thing():
    """Straight to the one next thing to do (the quiz result and the signature link here)."""
    action = next_step.next_action(current_user, str(get_locale()), utcnow().date())
    return redirect(url_for(action.endpoint, **action.args))


@bp.route("/programme")
@login_required
def completed():
    """The programme's end: congratulations and the certificate, or what is still left."""
    found = next_step.completion(current_user, str(get_locale()), utcnow().date())
    return render_template("main/completed.html", completion=found)


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language; remembered on the account when signed in."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["CHARTE_LOCALES"]:
        session["locale"] = locale
        if current_user.is_authenticated and current_user.locale != locale:
            current_user.locale = locale
            db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("main.home"))


@bp.route("/healthz")
@csrf.exempt
def healthz():
    """200 when the database answers, 503 otherwise (for load balancers)."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        db.session.rollback()
        return jsonify({"status": "unavailable", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})
