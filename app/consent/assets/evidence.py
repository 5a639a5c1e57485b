"""Seals on the asset register's evidence: tags, publications and take-down decisions.

Each row is sealed (app.evidence.seals) and named in the audit entry that records it, so
`flask audit verify` reports a tag, publication or take-down decision altered, inserted or
deleted behind the app's back. Read paths that clear an item from the "to take down" list trust
only decisions whose seal holds (as publication reviews do).
"""

from __future__ import annotations

from datetime import UTC

from app.core.audit_actions import AuditAction
from app.evidence import seals
from app.models.asset import AssetPublication, AssetTag, AssetTakedown

TAGS = seals.SealSpec(
    model=AssetTag,
    label="asset tag",
    plural="asset tags",
    purpose="asset-tag",
    fields=lambda t: {
        "asset_id": t.asset_id,
        "user_id": t.user_id,
        "present": bool(t.present),
        "tagged_by_id": t.tagged_by_id,
        "tagged_at": t.tagged_at.astimezone(UTC).isoformat(),
    },
)

PUBLICATIONS = seals.SealSpec(
    model=AssetPublication,
    label="asset publication",
    plural="asset publications",
    purpose="asset-publication",
    fields=lambda p: {
        "asset_id": p.asset_id,
        "check_id": p.check_id,
        "purpose_id": p.purpose_id,
        "medium": p.medium,
        "channel": p.channel,
        "location": p.location,
        "published_on": p.published_on.isoformat(),
        "override_reason": p.override_reason,
        "recorded_by_id": p.recorded_by_id,
        "recorded_at": p.recorded_at.astimezone(UTC).isoformat(),
    },
    actions=(
        AuditAction.ASSET_PUBLISHED.value,
        AuditAction.ASSET_PUBLISHED_WITH_OVERRIDE.value,
    ),
    target_type="asset_publication",
    echo=("location",),
)

TAKEDOWNS = seals.SealSpec(
    model=AssetTakedown,
    label="asset take-down decision",
    plural="asset take-down decisions",
    purpose="asset-takedown",
    fields=lambda d: {
        "publication_id": d.publication_id,
        "user_id": d.user_id,
        "trigger_event_id": d.trigger_event_id,
        "outcome": d.outcome,
        "removed_on": d.removed_on.isoformat() if d.removed_on else None,
        "reason": d.reason,
        "decided_by_id": d.decided_by_id,
        "decided_at": d.decided_at.astimezone(UTC).isoformat(),
    },
    actions=(AuditAction.ASSET_TAKEDOWN_DECIDED.value,),
    target_type="asset_takedown",
)

ALL = (TAGS, PUBLICATIONS, TAKEDOWNS)
