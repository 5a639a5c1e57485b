"""Sign-in, sign-out, invitation and password-reset pages."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import limiter
from app.people import accounts, signin, sso
from app.people.auth_forms import ForgotPasswordForm, LoginForm, SetPasswordForm
from app.web import client_info, public_url, safe_next

bp = Blueprint("auth", __name__)


def _account_key() -> str:
    return "account:" + (request.form.get("email") or "").strip().lower()


def _failed(response) -> bool:
    # Only failed attempts count against an account; a successful sign-in redirects.
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_PER_IP"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_account_key,
    deduct_when=_failed,
)
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if request.method == "GET" and not form.email.data:
        form.email.data = (request.args.get("email") or "")[:254]  # after choosing a password
    if form.validate_on_submit():
        client = client_info()
        try:
            user = accounts.authenticate(
                form.email.data,
                form.password.data,
                client,
                allowed=sso.password_login_allowed,
            )
        except accounts.PasswordSignInRefused as exc:
            flash(f"{exc} " + _("Use “%(label)s” instead.", label=sso_label()), "error")
            return render_template("auth/login.html", form=form, **_sso_context())
        if user is not None:
            signin.sign_in(user, client)
            return redirect(safe_next(request.args.get("next")) or signin.landing_url(user))
        # Same message whether or not the email exists.
        flash(_("Email or password is incorrect."), "error")
    return render_template("auth/login.html", form=form, **_sso_context())


def _sso_context() -> dict:
    """What the sign-in pages need to offer single sign-on."""
    if not sso.enabled():
        return {"sso_label": None, "password_admins_only": False}
    return {"sso_label": sso_label(), "password_admins_only": sso.password_login_restricted()}


def sso_label() -> str:
    """The single sign-on button's text: the configured one, else ours (translated)."""
    return current_app.config.get("OIDC_BUTTON_LABEL") or _("Sign in with your company account")


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out (a POST, so that a link on another site cannot sign anyone out).

    The session ends on the server, so a copy of this browser's cookie is refused from now on."""
    signin.sign_out(client_info())
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


def _password_page(token: str, purpose: str):
    user = accounts.user_for_token(token, purpose, lock=request.method == "POST")
    if user is None:
        flash(
            _("This link is invalid, has expired or was already used. Ask for a new one."), "error"
        )
        return redirect(url_for("auth.forgot_password"))
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password(
                user, form.password.data, form.confirm.data, via=purpose, client=client_info()
            )
        except accounts.AccountError as exc:
            flash(str(exc), "error")
        else:
            # The new password ended the person's sessions; a browser signed in as someone
            # else who opened the link is signed out too.
            signin.sign_out(client_info())
            if purpose == accounts.INVITATION and sso.password_login_allowed(user):
                # Whoever holds a valid invitation and just chose the password is the person:
                # asking them to type both again at once would only lose them.
                client = client_info()
                accounts.note_sign_in(user, client)
                signin.sign_in(user, client)
                flash(_("Your password is saved. Welcome!"), "success")
                return redirect(url_for("main.home"))
            flash(_("Your password is saved. You can now sign in."), "success")
            return redirect(url_for("auth.login", email=user.email))
    return render_template("auth/set_password.html", form=form, user=user, purpose=purpose)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """An invited employee chooses their first password."""
    return _password_page(token, accounts.INVITATION)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from a reset link."""
    return _password_page(token, accounts.PASSWORD_RESET)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def forgot_password():
    """Ask for a reset link; the answer never says whether the email has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = accounts.find_by_email(form.email.data)
        if user is not None and user.active and sso.password_login_allowed(user):
            token = accounts.make_token(user, accounts.PASSWORD_RESET)
            link = public_url("auth.reset_password", token=token)
            accounts.send_link(
                user, link, accounts.PASSWORD_RESET, actor=None, client=client_info()
            )
        flash(
            _(
                "If an account exists for this address, a link to reset the password has "
                "been sent to it. Without email, ask HR for a link."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form, **_sso_context())
