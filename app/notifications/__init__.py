"""In-app notifications: the bell in the header, the notification centre, and the daily notices.

Other domains emit hooks (a reminder sent, a policy published, a consent withdrawn, a webhook
given up); this domain subscribes and writes one notice per person concerned. The scheduled job
`notices` (app/operations/jobs.py) adds what no event announces: something due soon or overdue,
a consent about to expire, HR's overdue count.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The notification pages, the header's unread count, and the hook subscriptions."""
    from app.core import hooks
    from app.notifications import receivers, service
    from app.notifications.routes import bp

    app.register_blueprint(bp, url_prefix="/notifications")
    app.context_processor(lambda: {"unread_notifications": service.unread_for_current_user})
    hooks.reminder_sent.subscribe(app, receivers.on_reminder_sent)
    hooks.policy_published.subscribe(app, receivers.on_policy_published)
    hooks.after_consent_decided.subscribe(app, receivers.on_consent_decided)
    hooks.webhook_failed.subscribe(app, receivers.on_webhook_failed)
    hooks.asset_takedown_decided.subscribe(app, receivers.on_asset_takedown_decided)
    hooks.consent_expired.subscribe(app, receivers.on_consent_expired)
    hooks.person_pseudonymised.subscribe(app, service.forget_person)
