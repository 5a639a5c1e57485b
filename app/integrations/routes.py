"""Admin pages: API tokens (shown once, revocable) and webhook endpoints with their deliveries."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.integrations import tokens, webhooks
from app.integrations.forms import TokenForm, WebhookForm
from app.models.user import Role
from app.permissions import role_required
from app.web import client_info

bp = Blueprint("integrations", __name__)


def _tokens_page(form: TokenForm, issued: tokens.IssuedToken | None = None, status=200):
    return render_template(
        "integrations/api_tokens.html",
        form=form,
        issued=issued,
        tokens=tokens.all_tokens(),
        action_form=FlaskForm(),
    ), status


@bp.route("/api-tokens", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def api_tokens_page():
    """Issue a token (its value is shown on this response only) and list every token."""
    form = TokenForm()
    if form.validate_on_submit():
        try:
            issued = tokens.create(
                form.name.data, form.scopes.data, actor=current_user, client=client_info()
            )
        except tokens.TokenError as exc:
            flash(str(exc), "error")
        else:
            # Rendered, not redirected: the value must never sit in a session or a URL.
            return _tokens_page(TokenForm(formdata=None), issued)
    return _tokens_page(form)


@bp.route("/api-tokens/<int:token_id>/revoke", methods=["POST"])
@role_required(Role.ADMIN)
def revoke_token(token_id: int):
    """Revoke a token: it stops working at once."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    if tokens.revoke(token_id, actor=current_user, client=client_info()):
        flash(_("The token was revoked."), "success")
    return redirect(url_for("integrations.api_tokens_page"))


def _webhooks_page(form: WebhookForm, secret: str | None = None, status=200):
    return render_template(
        "integrations/webhooks.html",
        form=form,
        secret=secret,
        endpoints=webhooks.endpoints(),
        deliveries=webhooks.recent_deliveries(),
        action_form=FlaskForm(),
    ), status


@bp.route("/webhooks", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def webhooks_page():
    """Register an endpoint (its signing secret is shown once) and follow the deliveries."""
    form = WebhookForm()
    if form.validate_on_submit():
        try:
            _endpoint, secret = webhooks.register(
                form.url.data, form.events.data, actor=current_user, client=client_info()
            )
        except webhooks.WebhookError as exc:
            form.url.errors = [str(exc)]
        else:
            return _webhooks_page(WebhookForm(formdata=None), secret)
    return _webhooks_page(form)


@bp.route("/webhooks/<int:endpoint_id>/disable", methods=["POST"])
@role_required(Role.ADMIN)
def disable_webhook(endpoint_id: int):
    """Stop sending to an endpoint."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    if webhooks.disable(endpoint_id, actor=current_user, client=client_info()):
        flash(_("The endpoint was disabled."), "success")
    return redirect(url_for("integrations.webhooks_page"))
