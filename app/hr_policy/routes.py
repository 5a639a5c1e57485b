"""HR overview: who signed the current version, an older one, or never."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from app.permissions import HR_READERS, role_required
from app.services import directory, policy_status

bp = Blueprint("hr_policy", __name__, url_prefix="/hr/policy")


@bp.route("")
@role_required(*HR_READERS)
def index():
    """Every active person with their policy status; search, filters and pagination."""
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    state = request.args.get("state", "")
    flt = policy_status.StatusFilter(
        q=request.args.get("q", "")[:100],
        department=request.args.get("department", ""),
        state=state if state in policy_status.STATES else "",
        page=page,
    )
    return render_template(
        "hr_policy/index.html",
        result=policy_status.overview(flt),
        flt=flt,
        departments=directory.departments(),
    )
