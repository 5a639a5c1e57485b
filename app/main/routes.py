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
from flask_login import current_user, login_required
from sqlalchemy import text

from app.consent_hr.routes import CONSENT_VIEWER_ROLES
from app.extensions import csrf, db
from app.models.types import utcnow
from app.services import progress, publication
from app.web import safe_next

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home():
    """The signed-in person's starting page: their modules, progress and what needs attention."""
    modules = progress.learner_modules(current_user)
    required = [m for m in modules if m.placed.required]
    consent_reviews = None
    if current_user.has_role(*CONSENT_VIEWER_ROLES):
        consent_reviews = publication.review_count(utcnow().date())
    return render_template(
        "main/home.html",
        modules=modules,
        required_done=sum(1 for m in required if m.status == progress.COMPLETED),
        required_total=len(required),
        consent_reviews=consent_reviews,
    )


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
