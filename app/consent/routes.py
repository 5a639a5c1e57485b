"""Employee pages: "My image" (grant, refuse, revoke), history, receipts, public verification."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.consent import decisions, evidence, pages, receipts, texts
from app.consent.forms import DecisionForm
from app.consent.posted import apply_decision
from app.core import codes
from app.models.types import utcnow
from app.permissions import owned_or_404

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
        view_today=today.isoformat(),
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
        verify_url=url_for("consent.verify", code=event.code, _external=True),
    )
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename=consent-{event.id}.pdf"},
    )


@bp.route("/me/image/receipts/<int:event_id>.json")
@login_required
def receipt_json(event_id: int):
    """The machine-readable consent receipt of one of the person's own decisions."""
    event = _own_event(event_id)
    receipt = receipts.json_receipt(
        event,
        _title(event),
        withdrawal_url=url_for("consent.my_image", _external=True),
        verify_url=url_for("consent.verify", code=event.code, _external=True),
    )
    response = jsonify(receipt)
    response.headers["Content-Disposition"] = f"attachment; filename=consent-{event.id}.json"
    return response


@bp.route("/image-consent/verify/<code>")
def verify(code: str):
    """Public: is this consent receipt genuine? Shows what the receipt itself shows."""
    canonical = codes.normalise_code(code)
    event = decisions.event_by_code(canonical) if canonical else None
    if event is None:
        abort(404)
    return render_template(
        "consent/verify.html",
        event=event,
        genuine=evidence.intact(event),
        holder_name=evidence.holder_name(event),
        title=_title(event),
        code=codes.format_code(event.code),
    )
