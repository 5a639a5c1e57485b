"""The policy page: status, full text and signing form; confirmation and receipt download."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.codes import format_code
from app.extensions import db, limiter
from app.models.acknowledgement import Acknowledgement
from app.models.policy import PolicyText
from app.people import step_up
from app.permissions import owned_or_404
from app.policy import published, receipts, redline, signing, versions
from app.policy import status as policy_status
from app.policy.forms import CodeForm, SignForm, StepUpSignForm
from app.security import CONTENT_SECURITY_POLICY
from app.web import client_info, verification_url

bp = Blueprint("sign", __name__)
bp.add_app_template_filter(versions.acknowledged_label, "signed_version")

STEP_UP_PURPOSE = "policy-signature"


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
    with_step_up = step_up.needs_step_up(current_user)
    form = StepUpSignForm() if with_step_up else SignForm()
    if text is not None:
        form.agree.label.text = signing.statement_for(
            versions.revision_label(status.current.version, text.minor), text.locale
        )
    if form.validate_on_submit():
        response = _start_step_up(form) if with_step_up else _sign(form)
        if response is not None:
            return response
    elif form.is_submitted():
        flash(_("Nothing was signed: correct the fields marked below."), "error")
    changed = None
    if text is not None:
        form.version.data = str(status.current.version)
        form.locale.data = text.locale
        latest = status.latest
        if status.state == "outdated" and latest is not None:
            ack = policy_status.signature_with_texts(latest.id)
            signed = receipts.signed_text_row(ack)
            old = versions.latest_texts(ack.policy_version).values()
            current_text = db.session.get(PolicyText, text.id)  # with its markdown, for the redline
            changed = redline.what_changed(signed, list(old), current_text)
    response = make_response(
        render_template(
            "sign/index.html",
            status=status,
            text=text,
            text_html=published.html_of(text) if text is not None else "",
            form=form,
            reasons=signing.blocking_reasons(current_user),
            with_step_up=with_step_up,
            changed=changed,
            label=versions.label(status.current) if status.current else None,
        )
    )
    if with_step_up:
        # Submitting the form redirects to the identity provider: the page's form-action must
        # allow that origin too, or the browser stops the redirect (nothing else is relaxed).
        origins = " ".join(step_up.provider_origins())
        if origins:
            response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
                "form-action 'self'", f"form-action 'self' {origins}"
            )
    return response


def _version_number(form) -> int:
    try:
        return int(form.version.data)
    except ValueError:
        abort(400)


def _refused(form, exc: signing.SigningError) -> None:
    if form is not None and exc.field and getattr(form, exc.field, None) is not None:
        getattr(form, exc.field).errors.append(str(exc))
    flash(_("Nothing was signed: %(reason)s", reason=str(exc)), "error")


def _sign(form: SignForm):
    try:
        result = signing.sign(
            current_user,
            version_number=_version_number(form),
            locale=form.locale.data,
            typed_name=form.typed_name.data,
            password=form.password.data,
            client=client_info(),
        )
    except signing.SigningError as exc:
        _refused(form, exc)
        return None
    return _signed(result)


def _already_signed(ack):
    flash(
        _(
            "You had already signed this version on %(date)s: nothing new was recorded.",
            date=format_datetime(ack.signed_at, "long"),
        ),
        "info",
    )
    return redirect(url_for("sign.index"))


def _start_step_up(form: StepUpSignForm):
    """Check everything, then send the person to confirm it is them (provider or email code)."""
    version_number = _version_number(form)
    try:
        prepared = signing.prepare(
            current_user,
            version_number=version_number,
            locale=form.locale.data,
            typed_name=form.typed_name.data,
        )
        if not isinstance(prepared, tuple):
            return _already_signed(prepared)
        method = step_up.method_for(current_user)
    except signing.SigningError as exc:
        _refused(form, exc)
        return None
    except step_up.StepUpError as exc:
        flash(exc.message, "error")
        return None
    try:
        step, secret = step_up.begin(
            current_user,
            purpose=STEP_UP_PURPOSE,
            payload={
                "version": version_number,
                "locale": form.locale.data,
                "typed_name": form.typed_name.data,
            },
            method=method,
            return_path=lambda step_id: url_for("sign.complete", step_id=step_id),
            client=client_info(method),
        )
    except step_up.StepUpError as exc:
        flash(exc.message, "error")
        return None
    if method == step_up.EMAIL_CODE:
        flash(
            _("We sent a six-digit code to %(email)s. Type it below.", email=current_user.email),
            "info",
        )
    return step_up.provider_redirect_or_code_page(step, secret, current_user, "sign.confirm_code")


def _sign_with(step):
    """Use a proved step-up once and record the signature it was asked for."""
    try:
        payload = step_up.consume(step, current_user, STEP_UP_PURPOSE)
    except step_up.StepUpError as exc:
        flash(exc.message, "error")
        return redirect(url_for("sign.index"))
    try:
        result = signing.sign(
            current_user,
            version_number=int(payload["version"]),
            locale=str(payload["locale"]),
            typed_name=str(payload["typed_name"]),
            proof=signing.IntentProof(step.method, step_up.evidence_details(step)),
            client=client_info(step.method),
        )
    except signing.SigningError as exc:
        _refused(None, exc)
        return redirect(url_for("sign.index"))
    return _signed(result)


@bp.route("/step-up/<int:step_id>")
@login_required
def complete(step_id: int):
    """Back from the identity provider: record the signature if the new sign-in was proved."""
    step = step_up.get_own(step_id, current_user)
    if step is None or step.method != step_up.SSO_STEP_UP:
        abort(404)
    return _sign_with(step)


@bp.route("/step-up/<int:step_id>/code", methods=["GET", "POST"])
@login_required
@limiter.limit(
    lambda: current_app.config.get("SIGN_RATE_LIMIT", "10 per minute"),
    methods=["POST"],
    key_func=_signer_key,
)
def confirm_code(step_id: int):
    """Type the code received by email; a right code records the pending signature."""
    step = step_up.get_own(step_id, current_user)
    if step is None or step.method != step_up.EMAIL_CODE:
        abort(404)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            step_up.check_code(step, form.code.data, client=client_info(step.method))
        except step_up.StepUpError as exc:
            if exc.reason != "wrong_code":
                flash(exc.message, "error")
                return redirect(url_for("sign.index"))
            form.code.errors.append(exc.message)
        else:
            return _sign_with(step)
    return render_template("sign/code.html", form=form, email=current_user.email)


def _signed(result: signing.SignResult):
    ack = result.acknowledgement
    if not result.created:
        return _already_signed(ack)
    flash(_("Thank you: your signature is recorded."), "success")
    return redirect(url_for("sign.confirmation", ack_id=ack.id))


@bp.route("/acknowledgements/<int:ack_id>")
@login_required
def confirmation(ack_id: int):
    """One of my signatures: its verification code and its receipt."""
    ack = signing.get_for_receipt(ack_id)
    ack = owned_or_404(ack, ack.user_id if ack else None)
    text = receipts.signed_text_row(ack)
    return render_template(
        "sign/confirmation.html",
        ack=ack,
        text=text,
        code=format_code(ack.code),
        verify_url=verification_url(ack.code),
    )


@bp.route("/acknowledgements/<int:ack_id>/text")
@login_required
def signed_text(ack_id: int):
    """The full text of one of my signatures, as I signed it (even after newer versions)."""
    found = signing.get_for_receipt(ack_id)
    ack: Acknowledgement = owned_or_404(found, found.user_id if found else None)
    response = render_template("sign/signed_text.html", ack=ack, signed=receipts.signed_text(ack))
    return response, 200, {"Cache-Control": "private, no-store"}


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
