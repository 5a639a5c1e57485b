"""Employee pages: "My image" (grant, refuse, revoke), history, receipts, public verification."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.consent import controller, decisions, evidence, pages, receipt_status, receipts, texts
from app.consent.assets import mine
from app.consent.forms import DecisionForm
from app.consent.posted import apply_decision
from app.core import codes, settings
from app.evidence import verification
from app.extensions import limiter
from app.models.types import utcnow
from app.permissions import owned_or_404
from app.web import public_url

bp = Blueprint("consent", __name__)

bp.add_app_template_filter(decisions.describe, "consent_state")
bp.add_app_template_filter(decisions.medium_label, "medium_label")
bp.add_app_template_filter(decisions.decision_label, "decision_label")


@bp.route("/me/image")
@login_required
def my_image():
    """Every purpose with its text, the person's state per medium, and their history."""
    today = utcnow().date()
    return render_template(
        "consent/my_image.html",
        view=pages.overview(current_user, str(get_locale()), today),
        purpose_section=lambda item: pages.purpose_section(item, today),
        assets=mine.appearances(current_user, str(get_locale()), today),
        privacy=controller.privacy_contact(),
    )


@bp.route("/me/image/decide", methods=["POST"])
@login_required
def decide():
    """Grant, refuse or revoke one purpose and medium for oneself."""
    form = DecisionForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash(_("This decision could not be read. Reload the page and try again."), "error")
        return redirect(url_for("consent.my_image"))
    error = apply_decision(
        current_user,
        current_user,
        purpose_id=form.purpose_id.data,
        medium=form.medium.data,
        decision=form.decision.data,
        text_id=form.text_id.data,
        valid_until=form.valid_until.data,
    )
    if error:
        flash(error, "error")
    return redirect(url_for("consent.my_image"))


def _own_event(event_id: int):
    event = decisions.event_for_user(event_id)
    return owned_or_404(event, event.user_id if event else None)


def _title(event) -> str:
    titles = texts.titles(str(get_locale()))
    return titles.get(event.purpose_id, event.text.title)


@bp.route("/me/image/receipts/<int:event_id>.pdf")
@login_required
def receipt_pdf(event_id: int):
    """The PDF receipt of one of the person's own decisions."""
    event = _own_event(event_id)
    pdf = receipts.pdf_receipt(
        event,
        _title(event),
        locale=str(get_locale()),
        verify_url=public_url("consent.verify", code=event.code),
        signed=_signed_receipt(event),
    )
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename=consent-{event.id}.pdf"},
    )


def _signed_receipt(event):
    return receipts.signed_json_receipt(
        event,
        _title(event),
        withdrawal_url=public_url("consent.my_image"),
        verify_url=public_url("consent.verify", code=event.code),
        locale=str(get_locale()),
    )


@bp.route("/me/image/receipts/<int:event_id>.json")
@login_required
def receipt_json(event_id: int):
    """The machine-readable consent receipt of one of the person's own decisions (signed)."""
    event = _own_event(event_id)
    response = jsonify(_signed_receipt(event))
    response.headers["Content-Disposition"] = f"attachment; filename=consent-{event.id}.json"
    return response


def _verify_limit() -> str:
    return current_app.config.get("VERIFY_RATE_LIMIT", "30 per minute")


@bp.route("/image-consent/verify/<code>")
@limiter.limit(_verify_limit)
def verify(code: str):
    """Public: is this consent receipt genuine, and does its decision still stand today?"""
    canonical = codes.normalise_code(code)
    event = decisions.event_by_code(canonical) if canonical else None
    if event is None:
        abort(404)
    genuine = evidence.intact(event)
    return render_template(
        "consent/verify.html",
        event=event,
        genuine=genuine,
        organisation=settings.get(settings.ORGANISATION_NAME),
        # An altered record has no status: nothing about it can be vouched for.
        status=receipt_status.status_of(event, utcnow().date()) if genuine else None,
        holder_name=evidence.holder_name(event),
        title=_title(event),
        code=codes.format_code(event.code),
        # As on /verify: entries cut off the end of the log take the recording entry with them.
        audit_log=verification.audit_log_for("consent_event", event.id),
    )
