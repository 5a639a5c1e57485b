"""The policy page: status, full text and signing form; confirmation and receipt download."""

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
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.codes import format_code
from app.extensions import limiter
from app.permissions import owned_or_404
from app.policy import receipts, signing, versions
from app.policy import status as policy_status
from app.policy.forms import SignForm
from app.web import client_info, verification_url

bp = Blueprint("sign", __name__)


def _signer_key() -> str:
    return f"sign:{current_user.get_id()}"


@bp.route("", methods=["GET", "POST"])
@login_required
@limiter.limit(
    lambda: current_app.config.get("SIGN_RATE_LIMIT", "10 per minute"),
    methods=["POST"],
    key_func=_signer_key,
)
def index():
    """Where I stand, the full text of the current version in my language, and the form."""
    status = policy_status.status_for(current_user)
    text = versions.text_for(status.current, str(get_locale())) if status.current else None
    form = SignForm()
    if text is not None:
        form.agree.label.text = signing.statement_for(status.current.version, text.locale)
    if form.validate_on_submit():
        response = _sign(form)
        if response is not None:
            return response
    elif form.is_submitted():
        flash(_("Nothing was signed: correct the fields marked below."), "error")
    if text is not None:
        form.version.data = str(status.current.version)
        form.locale.data = text.locale
    return render_template(
        "sign/index.html",
        status=status,
        text=text,
        form=form,
        reasons=signing.blocking_reasons(current_user),
    )


def _sign(form: SignForm):
    try:
        version_number = int(form.version.data)
    except ValueError:
        abort(400)
    try:
        result = signing.sign(
            current_user,
            version_number=version_number,
            locale=form.locale.data,
            typed_name=form.typed_name.data,
            password=form.password.data,
            client=client_info(),
        )
    except signing.SigningError as exc:
        if exc.field:
            getattr(form, exc.field).errors.append(str(exc))
        flash(_("Nothing was signed: %(reason)s", reason=str(exc)), "error")
        return None
    ack = result.acknowledgement
    if not result.created:
        flash(
            _(
                "You had already signed this version on %(date)s: nothing new was recorded.",
                date=format_datetime(ack.signed_at, "long"),
            ),
            "info",
        )
        return redirect(url_for("sign.index"))
    flash(_("Thank you: your signature is recorded."), "success")
    return redirect(url_for("sign.confirmation", ack_id=ack.id))


@bp.route("/acknowledgements/<int:ack_id>")
@login_required
def confirmation(ack_id: int):
    """One of my signatures: its verification code and its receipt."""
    ack = signing.get_for_receipt(ack_id)
    owned_or_404(ack, ack.user_id if ack else None)
    text = next(t for t in ack.policy_version.texts if t.locale == ack.locale)
    return render_template(
        "sign/confirmation.html",
        ack=ack,
        text=text,
        code=format_code(ack.code),
        verify_url=verification_url(ack.code),
    )


@bp.route("/receipts/<int:ack_id>.pdf")
@login_required
def receipt(ack_id: int):
    """The receipt PDF: for its signer, and for HR."""
    ack = signing.get_for_receipt(ack_id)
    if ack is None or (ack.user_id != current_user.id and not current_user.is_hr):
        abort(404)
    pdf = receipts.render(ack, verification_url(ack.code))
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="charte-receipt-{ack.code}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.route("/receipts/<int:ack_id>.json")
@login_required
def receipt_json(ack_id: int):
    """The receipt as signed JSON (JWS, Ed25519), checkable offline: for its signer and HR."""
    ack = signing.get_for_receipt(ack_id)
    if ack is None or (ack.user_id != current_user.id and not current_user.is_hr):
        abort(404)
    response = jsonify(receipts.signed_json(ack, verification_url(ack.code)))
    response.headers["Content-Disposition"] = (
        f'attachment; filename="charte-receipt-{ack.code}.json"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
