"""The record of processing, generated from the privacy settings and the data model."""

from __future__ import annotations

from flask import Blueprint, render_template

from app.core import settings
from app.evidence import network
from app.models.user import Role
from app.permissions import role_required
from app.privacy import processing

bp = Blueprint("privacy_admin", __name__)


@bp.route("")
@role_required(Role.ADMIN)
def index():
    """Purposes, data categories, recipients and retention, as the instance is configured."""
    return render_template(
        "privacy_admin/index.html",
        categories=processing.processing_record(),
        organisation=settings.get(settings.ORGANISATION_NAME),
        network=settings.get(network.STORE_NETWORK_DETAILS),
        years=settings.get(processing.RETENTION_YEARS),
    )
