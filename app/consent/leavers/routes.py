"""Public pages for people who have left (blueprint "consent_leaver", /image-consent/leaver).

No account: the form mails a signed link (rate-limited, the same answer for every address), the
link opens the withdrawal page (app/consent/leavers/__init__.py says what makes a link valid).
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from app.consent import leavers, texts
from app.consent.forms import LeaverLinkForm, LeaverWithdrawForm
from app.extensions import limiter
from app.models.types import utcnow
from app.web import client_info

bp = Blueprint("consent_leaver", __name__)


def _email_key() -> str:
    # Per address asked about, whoever asks: nobody floods a leaver's mailbox from many hosts.
    return "leaver-link:" + request.form.get("email", "").strip().lower()[:254]


@bp.route("", methods=["GET", "POST"])
@limiter.limit("5 per minute;20 per hour", methods=["POST"])
@limiter.limit("3 per hour", key_func=_email_key, methods=["POST"])
def ask():
    """Ask for a withdrawal link; the answer never says whether the address is known."""
    form = LeaverLinkForm()
    if form.validate_on_submit():
        leaver_id = leavers.leaver_to_mail(form.email.data)
        flash(
            _(
                "If this address belongs to someone who has left and still has a valid image "
                "consent, a link to withdraw it has been sent to it."
            ),
            "info",
        )
        response = redirect(url_for("consent_leaver.ask"))
        if leaver_id is not None:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            response.call_on_close(lambda: leavers.mail_link_later(app, leaver_id))
        return response
    return render_template("consent/leaver_ask.html", form=form)


@bp.route("/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def withdraw(token: str):
    """The leaver's valid consents, to withdraw with one button (the link is then used)."""
    form = LeaverWithdrawForm()
    try:
        person = leavers.person_for(token)
    except leavers.LinkError as exc:
        return render_template("consent/leaver_link.html", problem=str(exc)), 404
    items = leavers.withdrawable(person, utcnow().date())
    if form.validate_on_submit():
        chosen = request.form.getlist("consent")
        if not chosen:
            flash(_("Tick at least one consent to withdraw."), "error")
        else:
            count = leavers.withdraw(person, chosen, client=client_info())
            return render_template("consent/leaver_link.html", problem=None, withdrawn=count)
    return render_template(
        "consent/leaver_withdraw.html",
        form=form,
        person=person,
        items=items,
        titles=texts.titles(str(get_locale())),
    )
