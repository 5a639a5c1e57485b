"""The Me page: everything recorded about me, my language, my password and my data export."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    send_file,
    session,
    url_for,
)
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.evidence import attachments
from app.models.types import utcnow
from app.people import accounts, signin
from app.privacy import export as me_export
from app.privacy import me_page
from app.privacy.forms import ExportForm, LanguageForm, PasswordForm
from app.web import client_info, public_url, verification_url

bp = Blueprint("me", __name__)


def _page(password_form: PasswordForm | None = None, status: int = 200):
    language = LanguageForm()
    language.locale.data = current_user.locale
    context = me_page.MeContext(locale=str(get_locale()), today=utcnow().date())
    return (
        render_template(
            "me/index.html",
            sections=me_page.sections(current_user, context),
            password_form=password_form or PasswordForm(),
            language_form=language,
            export_form=ExportForm(),
        ),
        status,
    )


@bp.route("")
@login_required
def index():
    """Everything recorded about me, in one place."""
    return _page()


@bp.route("/password", methods=["POST"])
@login_required
def password():
    """Change my password; my other sessions are signed out, this one stays."""
    form = PasswordForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash(_("Your password was not changed: correct the fields marked below."), "error")
        return _page(form, 422)
    try:
        me_page.change_password(
            current_user,
            form.current_password.data,
            form.new_password.data,
            form.confirm.data,
            client=client_info(),
        )
    except accounts.AccountError as exc:
        field = (
            form.current_password if isinstance(exc, me_page.WrongPassword) else form.new_password
        )
        field.errors = [str(exc)]
        flash(_("Your password was not changed: %(reason)s", reason=str(exc)), "error")
        return _page(form, 422)
    # Changing the password ended every session, this browser's too (so a copy of its cookie
    # is refused): open a new one for this browser.
    signin.sign_in(current_user._get_current_object(), client_info())
    flash(_("Your password was changed. Your other sessions were signed out."), "success")
    return redirect(url_for("me.index"))


@bp.route("/language", methods=["POST"])
@login_required
def language():
    """Remember my preferred language."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    me_page.set_locale(current_user, form.locale.data)
    session["locale"] = current_user.locale
    refresh()  # the confirmation is shown in the chosen language
    flash(_("Your language preference was saved."), "success")
    return redirect(url_for("me.index"))


@bp.route("/export", methods=["POST"])
@login_required
def export():
    """Download a ZIP of everything held about me (the export is audited)."""
    if not ExportForm().validate_on_submit():
        abort(400)
    context = me_export.ExportContext(
        locale=str(get_locale()),
        policy_verify_url=verification_url,
        consent_verify_url=lambda code: public_url("consent.verify", code=code),
        withdrawal_url=public_url("consent.my_image"),
    )
    archive = me_export.build(current_user, context, client=client_info())
    response = send_file(
        archive,
        mimetype="application/zip",
        as_attachment=True,
        download_name="charte-export.zip",
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    """A scanned paper form: for the person it concerns and for HR; 404 for anyone else."""
    row = attachments.for_download(attachment_id, current_user)
    if row is None:
        abort(404)
    return Response(
        row.data,
        mimetype=row.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{attachments.download_name(row)}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
