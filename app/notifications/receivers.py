"""Hook receivers: what other domains' events mean as notices, and who receives them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from app.extensions import db
from app.models.reminder import ReminderSent
from app.models.types import utcnow
from app.models.user import Role, User
from app.notifications.service import Notice, add, add_for_everyone, people_with_role
from app.permissions import CONSENT_MANAGERS


def on_reminder_sent(reminder: ReminderSent) -> None:
    """`hooks.reminder_sent`, in the reminder's transaction: the person sees it in the app."""
    add(
        [
            Notice(
                reminder.user_id,
                "reminder",
                f"reminder:{reminder.claim}",
                {"count": len(reminder.items), "by_hr": reminder.sent_by_id is not None},
                "main.home",
            )
        ]
    )


def on_policy_published(version: Any) -> None:
    """`hooks.policy_published`, after the commit: everyone active is asked to sign it."""
    add_for_everyone(
        select(User.id).where(User.active.is_(True)),
        "policy",
        f"policy:{version.version}",
        {"version": version.version},
        "sign.index",
    )
    db.session.commit()


def on_consent_decided(previous: Any, event: Any) -> None:
    """`hooks.after_consent_decided`: a withdrawn grant may leave publications to review."""
    from app.consent import decisions, publication

    if not previous.allowed or event.decision == decisions.GRANTED:
        return

    count = publication.review_count(utcnow().date())
    if not count:
        return
    add(
        Notice(
            user_id, "hr_reviews", f"withdrawal:{event.id}", {"count": count}, "consent_hr.reviews"
        )
        for user_id in people_with_role(*CONSENT_MANAGERS)
    )
    db.session.commit()


def on_asset_takedown_decided(row: Any) -> None:
    """`hooks.asset_takedown_decided`, after the decision's commit: the person sees the outcome."""
    from app.models.asset import AssetPublication, MediaAsset

    pub = db.session.get(AssetPublication, row.publication_id)
    asset = db.session.get(MediaAsset, pub.asset_id) if pub is not None else None
    add(
        [
            Notice(
                row.user_id,
                "asset_takedown",
                f"takedown:{row.id}",
                {
                    "outcome": row.outcome,
                    "title": asset.title if asset else "",
                    "channel": pub.channel if pub else "",
                    "removed_on": row.removed_on.isoformat() if row.removed_on else None,
                },
                "consent.my_image",
            )
        ]
    )
    db.session.commit()


def on_consent_expired(event: Any, publications: list[Any]) -> None:
    """`hooks.consent_expired`, in the job's transaction: communications hear of what must come
    down (nothing when the expiry reaches no live publication)."""
    if not publications:
        return
    add(
        Notice(
            user_id,
            "asset_expired",
            f"expired:{event.id}",
            {"count": len(publications)},
            "consent_assets.takedown_list",
        )
        for user_id in people_with_role(Role.COMMUNICATIONS)
    )


def on_webhook_failed(delivery_id: int, endpoint_url: str) -> None:
    """`hooks.webhook_failed`, in the delivery's transaction: administrators are told."""
    host = urlsplit(endpoint_url).hostname or "?"
    add(
        Notice(
            user_id,
            "webhook_failed",
            f"webhook:{delivery_id}",
            {"host": host, "delivery": delivery_id},
            "integrations.webhooks_page",
        )
        for user_id in people_with_role(Role.ADMIN)
    )
