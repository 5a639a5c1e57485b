"""HR records a policy signature that an employee gave on paper, with the scanned form."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.evidence import attachments
from app.extensions import db
from app.models.user import Role, User
from app.permissions import role_required
from app.policy import paper, signing, versions
from app.policy.paper_forms import PaperSignatureForm
from app.web import client_info, read_scan

bp = Blueprint("on_behalf", __name__)


@bp.route("/<int:user_id>/paper-signature", methods=["GET", "POST"])
@role_required(Role.HR)
def paper_signature(user_id: int):
    """The form, then the signature recorded as given on paper (labelled as such everywhere)."""
    person = db.get_or_404(User, user_id)
    if person.id == current_user.id:
        abort(404)
    current = versions.current_version()
    form = PaperSignatureForm()
    if form.is_submitted() and not form.validate():
        if "csrf_token" in form.errors:
            abort(400)
    elif form.is_submitted():
        try:
            scan = read_scan(form.scan)
            ack = paper.record_signature(
                person,
                version_number=int(form.version.data or 0),
                locale=form.locale.data,
                typed_name=form.typed_name.data,
                paper_reference=form.paper_reference.data,
                scan=scan,
                actor=current_user,
                client=client_info(),
            )
        except attachments.AttachmentError as exc:
            form.scan.errors = [str(exc)]
        except signing.SigningError as exc:
            target = getattr(form, exc.field, None) if exc.field else None
            if target is not None:
                target.errors = [str(exc)]
            else:
                flash(str(exc), "error")
        else:
            flash(
                _(
                    "Paper signature of %(name)s recorded (code %(code)s). SHA-256 of the "
                    "scanned form as uploaded: %(sha256)s.",
                    name=person.full_name,
                    code=ack.code,
                    sha256=scan.received_sha256,
                ),
                "success",
            )
            return redirect(url_for("hr_policy.index"))
    if current is not None:
        form.version.data = str(current.version)
    if not form.is_submitted():
        form.locale.data = person.locale
    return render_template(
        "on_behalf/paper_signature.html",
        person=person,
        form=form,
        current=current,
        current_label=versions.label(current) if current else None,
        max_mb=round(attachments.max_bytes() / 1048576, 1),
    )
