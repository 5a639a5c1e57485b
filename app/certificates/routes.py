"""Certificates: the employee's own list and downloads; HR's list, revocation and ZIP export."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.certificates import documents, issuing, register
from app.certificates.forms import RevokeForm
from app.core.codes import format_code
from app.database import writes_on_get
from app.learn import progress
from app.models.user import Role
from app.people import directory
from app.permissions import HR_READERS, owned_or_404, role_required
from app.web import client_info, verification_url

bp = Blueprint("certificates", __name__)
bp.add_app_template_global(HR_READERS, "certificate_reader_roles")


def _pdf_response(certificate) -> Response:
    pdf = documents.render(certificate, verification_url(certificate.code))
    name = documents.filename(certificate)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


def _json_response(certificate) -> Response:
    response = jsonify(documents.signed_json(certificate, verification_url(certificate.code)))
    name = documents.filename(certificate).removesuffix(".pdf") + ".json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _module_choices() -> list[tuple[str, str]]:
    locale = str(get_locale())
    return [(p.module.slug, p.module.text(locale).title) for p in progress.placed_modules()]


@bp.route("/me/certificates")
@login_required
def mine():
    """My certificates with their codes and download links."""
    return render_template(
        "certificates/mine.html",
        items=issuing.for_user(current_user),
        format_code=format_code,
    )


@bp.route("/me/certificates/<int:cert_id>.pdf")
@login_required
def my_pdf(cert_id: int):
    """One of my certificates as PDF; anyone else's answers 404."""
    certificate = issuing.get(cert_id)
    owned_or_404(certificate, certificate.user_id if certificate else None)
    return _pdf_response(certificate)


@bp.route("/me/certificates/<int:cert_id>.json")
@login_required
def my_json(cert_id: int):
    """One of my certificates as signed JSON (JWS, Ed25519); anyone else's answers 404."""
    certificate = issuing.get(cert_id)
    owned_or_404(certificate, certificate.user_id if certificate else None)
    return _json_response(certificate)


@bp.route("/hr/certificates")
@role_required(*HR_READERS)
def hr_list():
    """Every certificate, with search, filters, pagination and the ZIP export of the set."""
    flt = register.CertificateFilter.from_args(request.args)
    return render_template(
        "certificates/hr_list.html",
        result=register.listing(flt),
        flt=flt,
        departments=directory.departments(),
        modules=_module_choices(),
        format_code=format_code,
    )


@bp.route("/hr/certificates/export.zip")
@writes_on_get
@role_required(*HR_READERS)
def hr_export():
    """The filtered certificates as one ZIP, streamed one PDF at a time (audited)."""
    flt = register.CertificateFilter.from_args(request.args)
    ids = register.start_export(flt, actor=current_user, client=client_info())
    return Response(
        stream_with_context(documents.zip_stream(ids, verification_url)),
        mimetype="application/zip",
        headers={
            "Content-Disposition": 'attachment; filename="certificates.zip"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.route("/hr/certificates/<int:cert_id>")
@role_required(*HR_READERS)
def hr_detail(cert_id: int):
    """One certificate: what it says, its status, and (for HR) the revocation form."""
    certificate = issuing.get(cert_id) or abort(404)
    return render_template(
        "certificates/hr_detail.html",
        certificate=certificate,
        code=format_code(certificate.code),
        verify_url=verification_url(certificate.code),
        form=RevokeForm(),
    )


@bp.route("/hr/certificates/<int:cert_id>.pdf")
@role_required(*HR_READERS)
def hr_pdf(cert_id: int):
    """Any employee's certificate as PDF."""
    return _pdf_response(issuing.get(cert_id) or abort(404))


@bp.route("/hr/certificates/<int:cert_id>.json")
@role_required(*HR_READERS)
def hr_json(cert_id: int):
    """Any employee's certificate as signed JSON."""
    return _json_response(issuing.get(cert_id) or abort(404))


@bp.route("/hr/certificates/<int:cert_id>/revoke", methods=["POST"])
@role_required(Role.HR)
def revoke(cert_id: int):
    """Revoke with a reason; the verification page then says revoked."""
    certificate = issuing.get(cert_id) or abort(404)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            issuing.revoke(
                certificate, reason=form.reason.data, actor=current_user, client=client_info()
            )
        except issuing.CertificateError as exc:
            flash(str(exc), "error")
        else:
            flash(_("The certificate is revoked."), "success")
            return redirect(url_for("certificates.hr_detail", cert_id=cert_id))
    return render_template(
        "certificates/hr_detail.html",
        certificate=certificate,
        code=format_code(certificate.code),
        verify_url=verification_url(certificate.code),
        form=form,
    ), 400
