"""HR's consent pages: the register, paper decisions, publication checks and reviews."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.consent import decisions, pages, publication, texts
from app.consent import register as consent_register
from app.consent.hr_forms import CheckForm, ConfirmForm, OnBehalfForm
from app.consent.posted import apply_decision
from app.core import paging
from app.evidence import attachments
from app.extensions import db
from app.models.consent import MEDIA, ConsentPurpose
from app.models.types import utcnow
from app.models.user import User
from app.people import directory
from app.permissions import CONSENT_MANAGERS, CONSENT_READERS, role_required
from app.web import client_info, read_scan

bp = Blueprint("consent_hr", __name__)


@bp.app_context_processor
def review_badge():
    """The "needs review" count shown in the consent area's tabs (here and on the asset
    register's pages): counted only when a page shows the tabs, once per request (fragments
    rendered on the way, such as the menu, run context processors too)."""

    def review_count() -> int:
        kept = request.environ  # per request (tests share one app context, so not `g`)
        if "charte.review_count" not in kept:
            kept["charte.review_count"] = publication.review_count(utcnow().date())
        return int(kept["charte.review_count"])

    return {"review_count": review_count}


def _locale() -> str:
    return str(get_locale())


def _register_filter() -> consent_register.RegisterFilter:
    args = request.values
    try:
        purpose_id = int(args.get("purpose") or 0) or None
    except ValueError:
        purpose_id = None
    at, start = paging.window_args(args)
    return consent_register.RegisterFilter(
        q=args.get("q", "")[:100],
        department=args.get("department", "")[:120],
        purpose_id=purpose_id,
        medium=args.get("medium", "") if args.get("medium") in MEDIA else "",
        state=args.get("state", "") if args.get("state") in decisions.STATES else "",
        expiring=args.get("expiring") == "1",
        at=at,
        start=start,
    )


def _filter_args(flt: consent_register.RegisterFilter) -> dict:
    return {
        "q": flt.q,
        "department": flt.department,
        "purpose": flt.purpose_id or "",
        "medium": flt.medium,
        "state": flt.state,
        "expiring": "1" if flt.expiring else "",
    }


@bp.route("")
@role_required(*CONSENT_READERS)
def register():
    """Everyone's state per purpose and medium, by department, with filters."""
    flt = _register_filter()
    purposes = texts.purposes()
    return render_template(
        "consent_hr/register.html",
        result=consent_register.register_page(flt, purposes, utcnow().date()),
        flt=flt,
        args=_filter_args(flt),
        purposes=[p for p in purposes if p.active],
        titles=texts.titles(_locale()),
        departments=directory.departments(),
        medium_choices=decisions.medium_choices(),
        state_choices=decisions.status_choices(),
        confirm=ConfirmForm(),
    )


@bp.route("/register.csv", methods=["POST"])
@role_required(*CONSENT_MANAGERS)
def export():
    """The register as CSV with the same filters (audited; streamed)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    lines = consent_register.export_lines(
        _register_filter(),
        texts.purposes(),
        texts.titles(_locale()),
        utcnow().date(),
        actor=current_user,
        client=client_info(),
    )
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=consent-register.csv"},
    )


def _purpose_choices(purposes: list[ConsentPurpose], titles: dict[int, str]) -> list:
    return [("", _("Choose…"))] + [
        (f"{p.id}:{m}", f"{titles.get(p.id, p.slug)} — {decisions.medium_label(m)}")
        for p in purposes
        for m in p.media_list
    ]


def _split(value: str) -> tuple[ConsentPurpose, str]:
    raw_id, _sep, medium = (value or "").partition(":")
    purpose = db.session.get(ConsentPurpose, int(raw_id)) if raw_id.isdigit() else None
    if purpose is None or medium not in purpose.media_list:
        abort(400)
    return purpose, medium


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
@role_required(*CONSENT_READERS)
def person(user_id: int):
    """One person's states and history, and the form to record a paper decision for them."""
    if request.method == "POST" and not current_user.is_hr:
        abort(403)  # decisions from paper forms are HR's to record
    person = db.get_or_404(User, user_id)
    purposes = texts.purposes(active_only=True)
    titles = texts.titles(_locale())
    form = OnBehalfForm()
    form.purpose_medium.choices = _purpose_choices(purposes, titles)
    if request.method == "GET":
        form.text_locale.data = person.locale
    if form.validate_on_submit():
        purpose, medium = _split(form.purpose_medium.data)
        text = texts.current_texts(form.text_locale.data).get(purpose.id)
        if text is None:
            abort(400)
        scan, error = None, None
        if form.scan.data:
            try:
                scan = read_scan(form.scan)
            except attachments.AttachmentError as exc:
                form.scan.errors = [str(exc)]
                error = str(exc)
        error = error or apply_decision(
            person,
            current_user,
            purpose_id=purpose.id,
            medium=medium,
            decision=form.decision.data,
            text_id=text.id,
            valid_until=form.valid_until.data,
            paper_reference=form.paper_reference.data,
            scan=scan,
        )
        if error is None:
            return redirect(url_for("consent_hr.person", user_id=person.id))
        flash(error, "error")
    view = pages.overview(person, _locale(), utcnow().date())
    return render_template(
        "consent_hr/person.html",
        person=person,
        form=form,
        view=view,
        received=attachments.received_hashes(
            "consent_event", [e.id for e in view.history if e.attachment_id]
        ),
        reviews=publication.needs_review(utcnow().date(), user_id=person.id),
    )


@bp.route("/check", methods=["GET", "POST"])
@role_required(*CONSENT_READERS)
def check():
    """Who in this picture may appear in this publication? The check is recorded."""
    purposes = texts.purposes(active_only=True)
    form = CheckForm()
    form.purpose_medium.choices = _purpose_choices(purposes, texts.titles(_locale()))
    chosen = publication.people_by_id(form.people.data or []) if form.is_submitted() else []
    results: list[User] = []
    if form.validate_on_submit():
        if form.check.data and not form.purpose_medium.data:
            flash(_("Choose the use of the picture."), "error")
        elif form.check.data:
            purpose, medium = _split(form.purpose_medium.data)
            try:
                done = publication.run_check(
                    purpose,
                    medium,
                    chosen,
                    form.reference.data or "",
                    actor=current_user,
                    client=client_info(),
                )
            except publication.CheckError as exc:
                flash(str(exc), "error")
            else:
                return redirect(url_for("consent_hr.check_result", check_id=done.id))
        chosen_ids = {p.id for p in chosen}
        results = [
            p for p in publication.search_people(form.q.data or "") if p.id not in chosen_ids
        ]
        if form.search.data and not results:
            flash(_("Nobody else matches this name."), "info")
    return render_template(
        "consent_hr/check.html",
        form=form,
        chosen=chosen,
        results=results,
        recent=publication.recent_checks(),
    )


@bp.route("/checks/<int:check_id>")
@role_required(*CONSENT_READERS)
def check_result(check_id: int):
    """The answers given by one recorded check."""
    found = publication.get_check(check_id)
    if found is None:
        abort(404)
    return render_template(
        "consent_hr/check_result.html",
        check=found,
        title=texts.titles(_locale()).get(found.purpose_id, found.purpose.slug),
    )


@bp.route("/reviews")
@role_required(*CONSENT_READERS)
def reviews():
    """Checked publications whose consent has since been withdrawn or has expired."""
    return render_template(
        "consent_hr/reviews.html",
        items=publication.needs_review(utcnow().date()),
        titles=texts.titles(_locale()),
        confirm=ConfirmForm(),
    )


@bp.route("/reviews/<int:check_person_id>/done", methods=["POST"])
@role_required(*CONSENT_MANAGERS)
def review_done(check_person_id: int):
    """Record who reviewed this publication, and when."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if publication.mark_reviewed(
        check_person_id, actor=current_user, client=client_info(), today=utcnow().date()
    ):
        flash(_("Marked as reviewed."), "success")
    else:
        flash(_("Nothing to review here any more."), "info")
    return redirect(url_for("consent_hr.reviews"))
