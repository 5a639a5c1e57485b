"""The policy builder: drafts from the guided outline or the published text, edited section by
section in both languages, previewed as employees will read them, approved, published."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.extensions import db
from app.models.user import Role
from app.permissions import role_required
from app.policy import redline, versions
from app.policy.builder import draft_content, drafts
from app.policy.builder.forms import (
    AddSectionForm,
    DetailsForm,
    PublishForm,
    RevisionForm,
    SectionForm,
    SectionPreviewForm,
)
from app.web import client_info

bp = Blueprint("policy_builder", __name__)


def _draft_or_404(draft_id: int):
    draft = drafts.get(draft_id)
    if draft is None:
        abort(404)
    return draft


def _revision(form) -> int:
    try:
        return int(form.revision.data)
    except (TypeError, ValueError):
        abort(400)


def _edit_url(draft) -> str:
    return url_for("policy_builder.edit", draft_id=draft.id)


@bp.route("")
@role_required(Role.HR)
def index():
    """Every draft, and the two ways to start one."""
    current = versions.current_version()
    return render_template(
        "policy_builder/index.html",
        drafts=drafts.all_drafts(),
        current=versions.label(current) if current else None,
        form=FlaskForm(),
    )


@bp.route("/new", methods=["POST"])
@role_required(Role.HR)
def new():
    """Start a draft from the outline (`source=outline`) or the current version."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        if request.form.get("source") == "current":
            draft = drafts.create_from_current(current_user, client_info())
        else:
            draft = drafts.create_from_outline(current_user, client_info())
    except drafts.DraftError as exc:
        flash(str(exc), "error")
        return redirect(url_for("policy_builder.index"))
    db.session.commit()
    return redirect(_edit_url(draft))


def _history_labels() -> dict[str, str]:
    return {
        "created": _("Draft started"),
        "details": _("Title or summary edited"),
        "section": _("Section edited"),
        "added": _("Section added"),
        "removed": _("Section removed"),
        "moved": _("Section moved"),
        "approved": _("Approved"),
        "published": _("Published"),
    }


def _edit_page(draft, details: DetailsForm | None = None, add: AddSectionForm | None = None):
    present = {s.section_id for s in draft.sections}
    locale = str(get_locale())
    missing = [
        (s["id"], s["heading"].get(locale) or s["heading"]["en"])
        for s in draft_content.outline()["sections"]
        if s["id"] not in present
    ]
    found = draft_content.problems(draft)
    if details is None:
        details = DetailsForm(obj=draft)
        for name in ("title_fr", "title_en"):
            details[name].errors = list(found.get(name, []))
    details.revision.data = str(draft.revision)
    add = add or AddSectionForm()
    add.revision.data = str(draft.revision)
    return render_template(
        "policy_builder/edit.html",
        draft=draft,
        history=drafts.history(draft),
        labels=_history_labels(),
        details=details,
        add=add,
        action=RevisionForm(revision=str(draft.revision)),
        problems=found,
        status=draft_content.translation_status(draft),
        missing=missing,
        review_needed=drafts.review_needed(draft),
        may_approve=current_user.id not in (draft.author_id, draft.updated_by_id),
        locales=current_app.config["CHARTE_LOCALES"],
    )


@bp.route("/<int:draft_id>", methods=["GET", "POST"])
@role_required(Role.HR)
def edit(draft_id: int):
    """The draft: its details, its sections (edit, move, remove, add), its status."""
    draft = _draft_or_404(draft_id)
    form = DetailsForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            drafts.update_details(
                draft, form.data, actor=current_user, client=client_info(), revision=_revision(form)
            )
        except drafts.DraftError as exc:
            flash(str(exc), "error")
            return _edit_page(draft, form), 409
        db.session.commit()
        flash(_("The draft is saved."), "success")
        return redirect(_edit_url(draft))
    return _edit_page(draft)


@bp.route("/<int:draft_id>/sections/<section_id>", methods=["GET", "POST"])
@role_required(Role.HR)
def section(draft_id: int, section_id: str):
    """One section in both languages, beside the outline's guidance."""
    draft = _draft_or_404(draft_id)
    row = drafts.find_section(draft, section_id)
    if row is None:
        abort(404)
    form = SectionForm(obj=row) if request.method == "GET" else SectionForm()
    previewing = "preview" in request.form  # the "Preview" button: show, save nothing
    if request.method == "POST" and not form.validate_on_submit():
        abort(400)
    if request.method == "POST" and not previewing:
        try:
            drafts.update_section(
                draft,
                row,
                form.data,
                actor=current_user,
                client=client_info(),
                revision=_revision(form),
            )
        except drafts.DraftError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("The section is saved."), "success")
            return redirect(_edit_url(draft) + f"#section-{row.section_id}")
    form.revision.data = str(draft.revision)
    found = draft_content.problems(draft)
    for name in ("heading_fr", "heading_en", "body_fr", "body_en"):
        form[name].errors = list(form[name].errors) + found.get(f"{section_id}.{name}", [])
    locale = str(get_locale())
    return render_template(
        "policy_builder/section.html",
        draft=draft,
        row=row,
        form=form,
        guidance=draft_content.guidance(draft_content.outline_section(section_id), locale),
        previews=_section_previews(form),
    )


def _section_previews(form) -> list[draft_content.SectionPreview]:
    return [
        draft_content.section_preview(
            form[f"heading_{locale}"].data or "", form[f"body_{locale}"].data or "", locale
        )
        for locale in current_app.config["CHARTE_LOCALES"]
    ]


@bp.route("/<int:draft_id>/sections/<section_id>/preview", methods=["POST"])
@role_required(Role.HR)
def section_preview(draft_id: int, section_id: str):
    """The section editor's preview as an HTML fragment, from what is typed (nothing saved):
    the page's script swaps it in as the author types."""
    draft = _draft_or_404(draft_id)
    if drafts.find_section(draft, section_id) is None:
        abort(404)
    form = SectionPreviewForm()
    if not form.validate_on_submit():
        abort(400)
    return render_template("policy_builder/_section_preview.html", previews=_section_previews(form))


@bp.route("/<int:draft_id>/sections", methods=["POST"])
@role_required(Role.HR)
def add_section(draft_id: int):
    """Add a section at the end of the draft."""
    draft = _draft_or_404(draft_id)
    form = AddSectionForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors or "revision" in form.errors:
            abort(400)
        return _edit_page(draft, add=form), 422
    section_id = form.section_id.data.strip()
    try:
        drafts.add_section(
            draft, section_id, actor=current_user, client=client_info(), revision=_revision(form)
        )
    except drafts.DraftError as exc:
        form.section_id.errors = [str(exc)]
        return _edit_page(draft, add=form), 422
    db.session.commit()
    return redirect(url_for("policy_builder.section", draft_id=draft.id, section_id=section_id))


@bp.route("/<int:draft_id>/sections/<section_id>/<any(up, down, remove):move>", methods=["POST"])
@role_required(Role.HR)
def move(draft_id: int, section_id: str, move: str):
    """Move a section up or down, or remove it (buttons that work without JavaScript)."""
    draft = _draft_or_404(draft_id)
    row = drafts.find_section(draft, section_id)
    if row is None:
        abort(404)
    form = RevisionForm()
    if not form.validate_on_submit():
        abort(400)
    context = {"actor": current_user, "client": client_info(), "revision": _revision(form)}
    try:
        if move == "remove":
            drafts.remove_section(draft, row, **context)
        else:
            drafts.move_section(draft, row, -1 if move == "up" else 1, **context)
    except drafts.DraftError as exc:
        flash(str(exc), "error")
        return redirect(_edit_url(draft))
    db.session.commit()
    return redirect(_edit_url(draft) + "#sections-heading")


@bp.route("/<int:draft_id>/preview")
@role_required(Role.HR)
def preview(draft_id: int):
    """The draft exactly as employees will read it, in either language."""
    draft = _draft_or_404(draft_id)
    locales = current_app.config["CHARTE_LOCALES"]
    locale = request.args.get("lang") or str(get_locale())
    if locale not in locales:
        abort(404)
    try:
        texts = {s.locale: s for s in draft_content.sources(draft, 0)}
    except versions.PolicyError as exc:
        flash(str(exc), "error")
        return redirect(_edit_url(draft))
    current = versions.current_version()
    published = versions.latest_texts(current).get(locale) if current else None
    changes = None
    if published is not None:
        changes = [c for c in redline.compare(published, texts[locale]) if c.state != "same"]
    return render_template(
        "policy_builder/preview.html",
        draft=draft,
        text=texts[locale],
        locales=locales,
        changes=changes,
        current=versions.label(current) if current else None,
    )


@bp.route("/<int:draft_id>/approve", methods=["POST"])
@role_required(Role.HR)
def approve(draft_id: int):
    """A second person approves the draft as it stands."""
    draft = _draft_or_404(draft_id)
    form = RevisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        drafts.approve(draft, actor=current_user, client=client_info(), revision=_revision(form))
    except drafts.DraftError as exc:
        flash(str(exc), "error")
        return redirect(_edit_url(draft))
    db.session.commit()
    flash(_("You approved the draft: it can be published."), "success")
    return redirect(_edit_url(draft))


@bp.route("/<int:draft_id>/publish", methods=["GET", "POST"])
@role_required(Role.HR)
def publish(draft_id: int):
    """Choose minor or major; a major version shows who will sign again and needs confirming."""
    draft = _draft_or_404(draft_id)
    form = PublishForm()
    if request.method == "POST" and not form.validate_on_submit():
        if "csrf_token" in form.errors or "revision" in form.errors:
            abort(400)
    elif request.method == "POST":
        major = form.kind.data == "major"
        if major and not form.confirm.data:
            form.confirm.errors = [_("Tick to confirm that everyone will sign again.")]
        else:
            try:
                drafts.publish(
                    draft,
                    major=major,
                    actor=current_user,
                    client=client_info(),
                    revision=_revision(form),
                )
            except (drafts.DraftError, versions.PolicyError) as exc:
                flash(str(exc), "error")
                return redirect(_edit_url(draft))
            flash(
                _("Version %(label)s is published.", label=draft.published_label or ""),
                "success",
            )
            return redirect(url_for("policy_builder.index"))
    form.revision.data = str(draft.revision)
    active, signed = drafts.signers_to_ask()
    current = versions.current_version()
    return render_template(
        "policy_builder/publish.html",
        draft=draft,
        form=form,
        active=active,
        signed=signed,
        current=versions.label(current) if current else None,
        problems=draft_content.problems(draft),
        review_needed=drafts.review_needed(draft),
    ), (422 if form.errors else 200)
