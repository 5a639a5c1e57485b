"""Publishing policy versions: list the versions in content/policy, preview them, publish one."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.models.policy import PolicyVersion
from app.models.user import Role
from app.permissions import role_required
from app.policy import versions
from app.web import client_info

bp = Blueprint("policy_admin", __name__)


@dataclass(frozen=True)
class VersionRow:
    """One version number: its files, and its publication if it was published."""

    number: int
    locales: list[str]
    published: PolicyVersion | None
    publishable: bool


@bp.route("")
@role_required(Role.ADMIN)
def index():
    """Every version found in the files or in the database, newest first."""
    published = {v.version: v for v in versions.published_versions()}
    sources = versions.source_versions()
    current = max(published, default=0)
    rows = [
        VersionRow(
            number=number,
            locales=sources.get(number, []),
            published=published.get(number),
            publishable=number > current and number in sources,
        )
        for number in sorted(set(published) | set(sources), reverse=True)
    ]
    return render_template("policy_admin/index.html", rows=rows, form=FlaskForm())


@bp.route("/<int:version>/preview")
@role_required(Role.ADMIN)
def preview(version: int):
    """The text as employees will read it (the stored copy once published)."""
    locales = current_app.config["CHARTE_LOCALES"]
    locale = request.args.get("lang") or str(get_locale())
    if locale not in locales:
        abort(404)
    stored = next((v for v in versions.published_versions() if v.version == version), None)
    if stored is not None:
        text = versions.text_for(stored, locale)
        title, html, changes, sha256 = text.title, text.html, text.changes, text.sha256
    else:
        try:
            source = versions.read_source(version, locale)
        except versions.PolicyError as exc:
            flash(str(exc), "error")
            return redirect(url_for("policy_admin.index"))
        title, html, changes, sha256 = source.title, source.html, source.changes, source.sha256
    return render_template(
        "policy_admin/preview.html",
        version=version,
        locale=locale,
        locales=locales,
        published=stored,
        title=title,
        html=html,
        changes=changes,
        sha256=sha256,
    )


@bp.route("/<int:version>/publish", methods=["POST"])
@role_required(Role.ADMIN)
def publish(version: int):
    """Publish a version: everyone's earlier signature becomes outdated."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        versions.publish(version, actor=current_user, client=client_info())
    except versions.PolicyError as exc:
        flash(str(exc), "error")
    else:
        flash(
            _("Version %(version)d is published: everyone is asked to sign it.", version=version),
            "success",
        )
    return redirect(url_for("policy_admin.index"))
