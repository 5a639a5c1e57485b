"""Photo codes: a person's own code (from the Me page) and the photographer's scan page.

Blueprint "photo_codes", under the register's /consent/assets. The scan page works on a phone without JavaScript: type the
code, or take a picture of it with <input type="file" capture>.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.consent.assets import forms, passes, qr_photo, register
from app.consent.hr_forms import ConfirmForm
from app.extensions import limiter
from app.permissions import CONSENT_MANAGERS, role_required
from app.web import client_info

bp = Blueprint("photo_codes", __name__)


@bp.route("/my-code", methods=["POST"])
@login_required
@limiter.limit("20 per hour", key_func=lambda: f"photo-code:{current_user.get_id()}")
def my_code():
    """Make a new photo code for the signed-in person and show it (never cached)."""
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("me.index"))
    issued = passes.issue(current_user)
    response = make_response(
        render_template(
            "consent_assets/my_code.html",
            code=issued.code,
            qr=passes.qr_picture(issued.code),
            expires_at=issued.expires_at,
            minutes=passes.PASS_MINUTES,
            form=ConfirmForm(),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:asset_id>/scan", methods=["GET", "POST"])
@role_required(*CONSENT_MANAGERS)
@limiter.limit("60 per minute", methods=["POST"])
def scan(asset_id: int):
    """The photographer's phone page: tag whoever shows their code."""
    asset = register.for_viewer(asset_id, current_user)
    if asset is None:
        abort(404)
    form = forms.ScanForm()
    if form.validate_on_submit():
        raw = (form.code.data or "").strip()
        storage = form.photo.data
        if not raw and storage and getattr(storage, "filename", ""):
            raw = qr_photo.read_code(storage.stream) or ""
            if not raw:
                flash(_("No code could be read from this picture: type it instead."), "error")
        if raw:
            try:
                person = passes.redeem(raw, asset, actor=current_user, client=client_info())
            except passes.PassError as exc:
                flash(str(exc), "error")
            else:
                flash(_("%(name)s is tagged.", name=person.full_name), "success")
                return redirect(url_for("photo_codes.scan", asset_id=asset.id))
        elif not form.photo.data:
            flash(_("Type the code or take a picture of it."), "error")
    return render_template(
        "consent_assets/scan.html",
        asset=asset,
        form=form,
        people=register.tagged_people(asset),
        photo_reader=qr_photo.available(),
    )
