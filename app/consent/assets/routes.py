"""The asset register's pages (blueprint "consent_assets", under /consent/assets).

Communications and HR manage the register; a person tagged in an asset may open its page and its
clean image; for anyone else an asset does not exist (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.consent import publication, texts
from app.consent.assets import forms, media, mine, publishing, register, takedown
from app.consent.hr_forms import ConfirmForm
from app.evidence.scan_content import AttachmentError
from app.extensions import db
from app.models.asset import MediaAsset
from app.models.consent import ConsentPurpose
from app.models.types import utcnow
from app.models.user import User
from app.permissions import CONSENT_MANAGERS, role_required
from app.web import client_info

bp = Blueprint("consent_assets", __name__)
TAKEDOWN_PER_PAGE = 50


@dataclass(frozen=True)
class TakedownPage:
    """One page of the "to take down" list (rendering every form at once is what costs)."""

    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _locale() -> str:
    return str(get_locale())


def _page_arg() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


@bp.route("")
@role_required(*CONSENT_MANAGERS)
def index():
    """The register: every asset, newest first, with how many people are tagged in it."""
    q = request.args.get("q", "")[:100]
    return render_template(
        "consent_assets/index.html",
        result=register.list_page(q, _page_arg()),
        q=q,
    )


def _upload(field) -> register.Upload | None:
    storage = field.data
    if not storage or not getattr(storage, "filename", ""):
        return None
    return register.Upload(storage.stream, storage.filename)


@bp.route("/new", methods=["GET", "POST"])
@role_required(*CONSENT_MANAGERS)
def new():
    """Record a photo or video: upload it (streamed) or give its reference in a media library."""
    form = forms.AssetForm()
    if form.validate_on_submit():
        try:
            asset = register.create(
                register.NewAsset(
                    title=form.title.data or "",
                    medium=form.medium.data,
                    taken_on=form.taken_on.data,
                    place=form.place.data or "",
                    photographer=form.photographer.data or "",
                    external_ref=form.external_ref.data or "",
                ),
                file=_upload(form.file),
                thumbnail=_upload(form.thumbnail),
                people=publication.people_by_id(form.people.data or []),
                actor=current_user,
                client=client_info(),
            )
        except (register.AssetError, AttachmentError) as exc:
            flash(str(exc), "error")
        else:
            flash(_("Asset recorded. Now tag the people who appear in it."), "success")
            return redirect(url_for("consent_assets.show", asset_id=asset.id))
    return render_template("consent_assets/new.html", form=form)


def _visible(asset_id: int) -> MediaAsset:
    asset = register.for_viewer(asset_id, current_user)
    if asset is None:
        abort(404)
    return asset


def _purposes_for(asset: MediaAsset) -> list[ConsentPurpose]:
    return [p for p in texts.purposes(active_only=True) if asset.medium in p.media_list]


def _chosen_purpose(asset: MediaAsset, raw: object) -> ConsentPurpose | None:
    try:
        wanted = int(str(raw or "0"))
    except ValueError:
        return None
    return next((p for p in _purposes_for(asset) if p.id == wanted), None)


def _day_arg() -> date:
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return utcnow().date()


def _manager_page(asset: MediaAsset, publish_form: forms.PublishForm | None = None):
    titles = texts.titles(_locale())
    purposes = _purposes_for(asset)
    purpose = _chosen_purpose(asset, request.args.get("purpose"))
    day = _day_arg()
    answers = publishing.publishability(asset, purpose, day) if purpose else []
    people = register.tagged_people(asset)
    q = request.args.get("q", "")[:100]
    tagged = {p.id for p in people}
    found = [p for p in publication.search_people(q) if p.id not in tagged] if q else []
    form = publish_form or forms.PublishForm()
    form.purpose.choices = [("", _("Choose…"))] + [
        (str(p.id), titles.get(p.id, p.slug)) for p in purposes
    ]
    if publish_form is None:
        form.purpose.data = str(purpose.id) if purpose else ""
        form.published_on.data = day
        refused = {a.person.id for a in answers if not a.allowed}
        form.people.data = [p.id for p in people if p.id not in refused]
    pubs = publishing.publications_of([asset.id])
    done = takedown.decisions_for([p.id for p in pubs])
    return render_template(
        "consent_assets/show.html",
        asset=asset,
        manager=True,
        people=people,
        found=found,
        q=q,
        purposes=purposes,
        purpose=purpose,
        titles=titles,
        day=day,
        answers=answers,
        form=form,
        tag_form=forms.TagForm(),
        confirm=ConfirmForm(),
        override_allowed=publishing.override_allowed(),
        publications=pubs,
        removed=takedown.removed_on(done),
        pending={i.publication.id for i in takedown.items(utcnow().date(), asset_id=asset.id)},
    )


@bp.route("/<int:asset_id>")
@login_required
def show(asset_id: int):
    """One asset: for communications and HR everything; for a tagged person, their part."""
    asset = _visible(asset_id)
    if register.is_manager(current_user):
        return _manager_page(asset)
    mine_view = next(
        (
            a
            for a in mine.appearances(current_user, _locale(), utcnow().date())
            if a.asset.id == asset.id
        ),
        None,
    )
    return render_template(
        "consent_assets/show.html",
        asset=asset,
        manager=False,
        mine=mine_view,
        titles=texts.titles(_locale()),
    )


@bp.route("/<int:asset_id>/tags", methods=["POST"])
@role_required(*CONSENT_MANAGERS)
def tag(asset_id: int):
    """Tag people chosen from the directory."""
    asset = _visible(asset_id)
    form = forms.TagForm()
    if not form.validate_on_submit():
        abort(400)
    people = publication.people_by_id(form.people.data or [])
    count = register.set_tags(asset, people, present=True, actor=current_user, client=client_info())
    if count:
        flash(_("People tagged."), "success")
    return redirect(url_for("consent_assets.show", asset_id=asset.id))


@bp.route("/<int:asset_id>/tags/<int:user_id>/remove", methods=["POST"])
@role_required(*CONSENT_MANAGERS)
def untag(asset_id: int, user_id: int):
    """Untag one person (the tag's history is kept)."""
    asset = _visible(asset_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    person = db.get_or_404(User, user_id)
    register.set_tags(asset, [person], present=False, actor=current_user, client=client_info())
    return redirect(url_for("consent_assets.show", asset_id=asset.id))


@bp.route("/<int:asset_id>/publish", methods=["POST"])
@role_required(*CONSENT_MANAGERS)
def publish(asset_id: int):
    """Record a publication: the publication check runs and is stored with it."""
    asset = _visible(asset_id)
    form = forms.PublishForm()
    form.purpose.choices = [("", "")] + [(str(p.id), p.slug) for p in _purposes_for(asset)]
    if form.validate_on_submit():
        purpose = _chosen_purpose(asset, form.purpose.data)
        if purpose is None:
            abort(400)
        try:
            publishing.publish(
                asset,
                publishing.NewPublication(
                    purpose=purpose,
                    people=publication.people_by_id(form.people.data or []),
                    channel=form.channel.data or "",
                    location=form.location.data or "",
                    published_on=form.published_on.data,
                    override_reason=form.override_reason.data or "",
                ),
                actor=current_user,
                client=client_info(),
            )
        except publishing.PublishError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Publication recorded with its consent check."), "success")
            return redirect(url_for("consent_assets.show", asset_id=asset.id))
    elif "csrf_token" in form.errors:
        abort(400)
    else:
        flash(_("Fill in the channel, the link or reference and the date."), "error")
    return redirect(url_for("consent_assets.show", asset_id=asset.id))


def _file_response(name: str | None, mimetype: str, download: str | None = None) -> Response:
    if not name:
        abort(404)
    try:
        size = media.size_of(name)
    except FileNotFoundError:
        abort(404)
    disposition = f"attachment; filename={download}" if download else "inline"
    response = Response(media.read_chunks(name), mimetype=mimetype, direct_passthrough=True)
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = disposition
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:asset_id>/image")
@login_required
def image(asset_id: int):
    """The photo re-encoded without its metadata (EXIF, GPS): the only full image others see."""
    asset = _visible(asset_id)
    kind = "image/png" if (asset.served_name or "").endswith(".png") else "image/jpeg"
    return _file_response(asset.served_name, kind)


@bp.route("/<int:asset_id>/thumb")
@login_required
def thumb(asset_id: int):
    """The thumbnail (JPEG without metadata)."""
    asset = _visible(asset_id)
    return _file_response(asset.thumb_name, "image/jpeg")


@bp.route("/<int:asset_id>/original")
@role_required(*CONSENT_MANAGERS)
def original(asset_id: int):
    """The file as uploaded, metadata included: communications and HR only."""
    asset = _visible(asset_id)
    suffix = (asset.original_name or "").rsplit(".", 1)[-1]
    return _file_response(
        asset.original_name,
        asset.original_type or "application/octet-stream",
        download=f"asset-{asset.id}-original.{suffix}",
    )


@bp.route("/takedown")
@role_required(*CONSENT_MANAGERS)
def takedown_list():
    """Published assets someone's consent no longer covers, with where they are published."""
    found = takedown.items(utcnow().date())
    page = min(_page_arg(), max(1, -(-len(found) // TAKEDOWN_PER_PAGE)))
    shown = found[(page - 1) * TAKEDOWN_PER_PAGE : page * TAKEDOWN_PER_PAGE]
    return render_template(
        "consent_assets/takedown.html",
        result=TakedownPage(shown, len(found), page, TAKEDOWN_PER_PAGE),
        assets=takedown.assets_by_id(i.publication.asset_id for i in shown),
        titles=texts.titles(_locale()),
        form=forms.TakedownForm(formdata=None, removed_on=utcnow().date()),
    )


@bp.route("/takedown/<int:publication_id>/<int:user_id>", methods=["POST"])
@role_required(*CONSENT_MANAGERS)
def takedown_decide(publication_id: int, user_id: int):
    """Record that a publication was removed (date) or kept (reason)."""
    form = forms.TakedownForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash(_("Choose removed or kept."), "error")
        return redirect(url_for("consent_assets.takedown_list"))
    try:
        takedown.decide(
            publication_id,
            user_id,
            outcome=form.outcome.data,
            removed=form.removed_on.data,
            reason=form.reason.data or "",
            actor=current_user,
            client=client_info(),
        )
    except takedown.TakedownError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Decision recorded; the person will see it on “My image”."), "success")
    return redirect(url_for("consent_assets.takedown_list"))
