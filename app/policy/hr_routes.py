"""HR overview: who signed the current version, an older one, or never."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from app.core import paging
from app.people import directory
from app.permissions import HR_READERS, role_required
from app.policy import status

bp = Blueprint("hr_policy", __name__)


@bp.route("")
@role_required(*HR_READERS)
def index():
    """Every active person with their policy status; search, filters and pagination."""
    at, start = paging.window_args(request.args)
    state = request.args.get("state", "")
    flt = status.StatusFilter(
        q=request.args.get("q", "")[:100],
        department=request.args.get("department", ""),
        state=state if state in status.STATES else "",
        at=at,
        start=start,
    )
    return render_template(
        "hr_policy/index.html",
        result=status.overview(flt),
        flt=flt,
        departments=directory.departments(),
    )
