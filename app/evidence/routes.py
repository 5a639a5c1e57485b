"""Public verification page: anyone holding a code learns whether the document is genuine."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.core import settings
from app.core.codes import format_code, normalise_code
from app.evidence import signed_documents, signing_keys, verification
from app.extensions import limiter

bp = Blueprint("verify", __name__)
well_known = Blueprint("well_known", __name__)


@well_known.route("/charte-keys.json")
def keys():
    """Public, no sign-in: the Ed25519 keys that sign receipts and certificates (a JWK set)."""
    response = jsonify(signing_keys.public_jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"  # any verifier may fetch it
    return response


def _limit() -> str:
    return current_app.config.get("VERIFY_RATE_LIMIT", "30 per minute")


def _wants_json() -> bool:
    if request.args.get("format") == "json":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


@bp.route("")
@limiter.limit(_limit)
def form():
    """A field to type a code; submitting it opens the code's page."""
    raw = request.args.get("code", "").strip()
    if raw:
        code = normalise_code(raw)
        return redirect(url_for("verify.check", code=code or raw[:64]))
    return render_template("verify/form.html")


@bp.route("/<code>")
@limiter.limit(_limit)
def check(code: str):
    """Genuine (with holder, document and date) or unknown: nothing else about the person."""
    result = verification.verify(code)
    canonical = normalise_code(code)
    audit_log = verification.audit_log_status(result) if result else None
    if _wants_json():
        if result is None:
            return jsonify({"status": "unknown"}), 404
        body = {
            "status": result.status,
            "kind": result.kind,
            "code": format_code(canonical),
            "issuer": settings.get(settings.ORGANISATION_NAME),
            "holder_name": result.holder_name,
            "title": result.title,
            "issued_at": result.issued_at.isoformat(),
            "details": result.details,
            "revoked_at": result.revoked_at.isoformat() if result.revoked_at else None,
            "audit_log": (
                {"entry": audit_log.seq, "intact": audit_log.intact} if audit_log else None
            ),
        }
        if result.status_text:
            # Decisions that can end later (consent) say where they stand today.
            body["status_since"] = result.status_since.isoformat() if result.status_since else None
            body["status_text"] = result.status_text
        return jsonify(body)
    return render_template(
        "verify/result.html",
        result=result,
        code=format_code(canonical) if canonical else code[:64],
        kind_label=(result.kind_label or result.kind) if result else "",
        audit_log=audit_log,
        organisation=settings.get(settings.ORGANISATION_NAME),
    ), (200 if result else 404)


UPLOAD_MAX_BYTES = 2 * 1024 * 1024  # a receipt PDF is ~50 KB, its JSON a few KB


@bp.route("/receipt", methods=["GET", "POST"])
@limiter.limit(_limit)
def receipt():
    """Upload a signed receipt or certificate (JSON or PDF): signature, then the audit log."""
    if request.method == "GET":
        return render_template("verify/receipt.html", check=None, error=None)
    upload = request.files.get("receipt")
    raw = upload.stream.read(UPLOAD_MAX_BYTES + 1) if upload else b""
    if not raw or len(raw) > UPLOAD_MAX_BYTES:
        error = _("Choose a signed receipt or certificate file (JSON or PDF, at most 2 MB).")
        return render_template("verify/receipt.html", check=None, error=error), 400
    check = signed_documents.check_upload(raw)
    result = verification.verify(check.code) if check.genuine and check.code else None
    return render_template(
        "verify/receipt.html",
        check=check,
        error=None,
        result=result,
        kind_label=(result.kind_label or result.kind) if result else "",
        organisation=settings.get(settings.ORGANISATION_NAME),
    ), (200 if check.genuine else 422)
