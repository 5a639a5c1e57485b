"""Every extension point and who listens to it after create_app(): a forgotten subscription
(or a new one nobody reviewed) fails here, not silently in production."""

from __future__ import annotations

from app.core import hooks
from app.evidence.seals import SealSpec

EXPECTED = {
    "signing_prerequisites": ["app.learn.progress.required_modules_prerequisite"],
    "policy_signed": ["app.integrations.webhook_events.on_policy_signed"],
    "after_policy_signed": ["app.certificates.issuing.on_policy_signed"],
    "policy_published": ["app.notifications.receivers.on_policy_published"],
    "module_completed": ["app.certificates.issuing.on_module_completed"],
    "programme_completed": [
        "app.certificates.issuing.on_programme_progress",
        "app.integrations.webhook_events.on_programme_completed",
    ],
    "consent_decided": [
        "app.integrations.webhook_events.on_consent_decision",
        "app.integrations.webhook_events.on_asset_takedown",
    ],
    "after_consent_decided": [
        "app.consent.publication.notify_withdrawal",
        "app.notifications.receivers.on_consent_decided",
    ],
    "asset_takedown_decided": [
        "app.consent.assets.announce.mail_takedown",
        "app.notifications.receivers.on_asset_takedown_decided",
    ],
    "consent_expired": [
        "app.integrations.webhook_events.on_consent_expired",
        "app.notifications.receivers.on_consent_expired",
    ],
    "reminder_sent": ["app.notifications.receivers.on_reminder_sent"],
    "webhook_failed": ["app.notifications.receivers.on_webhook_failed"],
    "certificate_revoked": ["app.integrations.webhook_events.on_certificate_revoked"],
    "code_lookups": [
        "app.policy.receipts.lookup",
        "app.consent.receipt_status.lookup",
        "app.certificates.issuing.lookup",
    ],
    # Seal specs (app.evidence.seals.SealSpec) are named by their table.
    "evidence_checks": [
        "app.evidence.witness.check",
        "seal:evidence_attachment",
        "seal:quiz_attempt",
        "seal:module_completion",
        "seal:published_content_file",
        "seal:policy_text",
        "seal:acknowledgement",
        "app.policy.checks.verify_signed_texts",
        "seal:consent_text",
        "seal:consent_event",
        "seal:publication_check",
        "seal:publication_check_person",
        "seal:publication_review",
        "seal:asset_tag",
        "seal:asset_publication",
        "seal:asset_takedown",
        "seal:certificate",
        "seal:certificate_revocation",
        "app.evidence.personal.verify_purges",
    ],
    "content_exported": ["app.policy.builder.transfer.export_policy"],
    "content_import_prepared": ["app.policy.builder.transfer.prepare_import"],
    "me_sections": [
        "app.people.me_section.sessions_section",
        "app.consent.assets.passes.me_section",
        "app.certificates.me_section.certificates_section",
        "app.assignments.reminders_received.me_section",
    ],
    "export_sections": [
        "app.people.me_section.sessions_export",
        "app.consent.assets.mine.export_part",
        "app.certificates.me_section.certificates_export",
        "app.assignments.reminders_received.export_part",
    ],
    "person_pseudonymised": [
        "app.people.step_up.forget_person",
        "app.integrations.webhooks.forget_person",
        "app.notifications.service.forget_person",
    ],
    "readiness_checks": ["app.operations.scheduler_health.readiness"],
    "metric_families": ["app.operations.scheduler_health.metric_families"],
}


def _name(receiver) -> str:
    if isinstance(receiver, SealSpec):
        return f"seal:{receiver.table}"
    return f"{receiver.__module__}.{receiver.__qualname__}"


def test_every_hook_has_its_expected_receivers(app):
    actual = {hook.name: [_name(r) for r in hook.receivers(app)] for hook in hooks.ALL}
    assert actual == EXPECTED


def test_every_hook_is_documented():
    for hook in hooks.ALL:
        assert hook.__doc__ and len(hook.__doc__) > 20, hook.name


def test_subscriptions_belong_to_one_app(app):
    """Two apps (tests build many) never share receivers: no process-wide state."""
    from tests.conftest import _app_for

    def extra(user):
        return "blocked"

    other = _app_for(app.config["SQLALCHEMY_DATABASE_URI"])
    hooks.signing_prerequisites.subscribe(other, extra)
    hooks.signing_prerequisites.subscribe(other, extra)
    assert hooks.signing_prerequisites.receivers(other).count(extra) == 1
    assert extra not in hooks.signing_prerequisites.receivers(app)


def test_override_restores_the_receivers(app):
    before = hooks.code_lookups.receivers(app)
    with hooks.code_lookups.override(app, []):
        assert hooks.code_lookups.receivers(app) == []
    assert hooks.code_lookups.receivers(app) == before
