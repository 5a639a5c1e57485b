"""Every action name the application writes to the audit log, in one catalogue.

The values are stored in the hash-chained audit log: never change one (old entries keep theirs,
and readers such as the timeline and the evidence checks look them up by value). Add a member
for a new action; `audit.record` still accepts a plain string, but tests/core/test_audit_actions.py
checks that every call site uses this catalogue.
"""

from __future__ import annotations

from enum import StrEnum, unique


@unique
class AuditAction(StrEnum):
    """An audited action; the value is what `AuditEvent.action` stores."""

    # Accounts and sign-in
    USER_CREATED = "user.created"
    USER_INVITED = "user.invited"
    USER_DEACTIVATED = "user.deactivated"
    USER_REACTIVATED = "user.reactivated"
    USER_ROLE_CHANGED = "user.role_changed"
    USER_IDENTITY_CHANGED = "user.identity_changed"  # email or external_id, by the API
    USER_MANAGER_CHANGED = "user.manager_changed"
    USERS_IMPORTED = "users.imported"
    USERS_UPSERTED = "users.upserted"
    USERS_INVITATION_LINKS_EXPORTED = "users.invitation_links_exported"
    AUTH_SIGNED_IN = "auth.signed_in"
    AUTH_SIGN_IN_FAILED = "auth.sign_in_failed"
    AUTH_SIGNED_OUT = "auth.signed_out"
    AUTH_SSO_FAILED = "auth.sso_failed"
    AUTH_PASSWORD_SET = "auth.password_set"  # noqa: S105 - an action name
    AUTH_PASSWORD_CHANGED = "auth.password_changed"  # noqa: S105 - an action name
    AUTH_PASSWORD_CHANGE_REFUSED = "auth.password_change_refused"  # noqa: S105 - an action name
    AUTH_RESET_LINK_ISSUED = "auth.reset_link_issued"
    AUTH_STEP_UP_CODE_SENT = "auth.step_up_code_sent"
    AUTH_STEP_UP_FAILED = "auth.step_up_failed"

    # Learning, policy and certificates
    MODULE_COMPLETED = "module.completed"
    MODULE_SETTINGS_CHANGED = "module.settings_changed"
    # Modules, quizzes and consent texts written in the browser (app/learn/authoring)
    CONTENT_DRAFT_CREATED = "content.draft_created"
    CONTENT_DRAFT_SAVED = "content.draft_saved"
    CONTENT_DRAFT_DISCARDED = "content.draft_discarded"
    CONTENT_PUBLISHED = "content.published"
    CONTENT_IMPORTED = "content.imported"
    CONTENT_MODULE_RETIRED = "content.module_retired"  # published: out of learners' lists
    CONTENT_MODULE_RESTORED = "content.module_restored"
    QUIZ_SUBMITTED = "quiz.submitted"
    POLICY_PUBLISHED = "policy.published"
    POLICY_SIGNED = "policy.signed"
    POLICY_DRAFT_CREATED = "policy.draft_created"
    POLICY_DRAFT_EDITED = "policy.draft_edited"
    POLICY_DRAFT_APPROVED = "policy.draft_approved"
    POLICY_DRAFT_PUBLISHED = "policy.draft_published"
    CERTIFICATE_ISSUED = "certificate.issued"
    CERTIFICATE_REVOKED = "certificate.revoked"
    CERTIFICATES_EXPORTED = "certificates.exported"

    # Assignments and reminders
    ASSIGNMENT_CREATED = "assignment.created"
    REMINDER_SENT = "reminder.sent"
    REMINDERS_SENT = "reminders.sent"
    ESCALATION_NOTIFIED = "escalation.notified"

    # Image-use consent
    CONSENT_GRANTED = "consent.granted"
    CONSENT_REFUSED = "consent.refused"
    CONSENT_REVOKED = "consent.revoked"
    CONSENT_EXPORTED = "consent.exported"
    CONSENT_TEXTS_IMPORTED = "consent.texts_imported"
    CONSENT_PURPOSE_DURATION_CHANGED = "consent.purpose_duration_changed"
    CONSENT_PURPOSE_DEACTIVATED = "consent.purpose_deactivated"
    CONSENT_PURPOSE_REACTIVATED = "consent.purpose_reactivated"
    CONSENT_PUBLICATION_CHECK = "consent.publication_check"
    CONSENT_REVIEW_DONE = "consent.review_done"
    # The asset register (app/consent/assets)
    ASSET_REGISTERED = "asset.registered"
    ASSET_TAGGED = "asset.tagged"
    ASSET_PUBLISHED = "asset.published"
    ASSET_PUBLISHED_WITH_OVERRIDE = "asset.published_with_override"
    ASSET_TAKEDOWN_DECIDED = "asset.takedown_decided"

    # HR exports
    EXPORT_EMPLOYEES = "export.employees"
    EXPORT_SIGNATURES = "export.signatures"
    EXPORT_CONSENT_EVENTS = "export.consent_events"

    # Personal data, retention and settings
    ME_EXPORTED = "me.exported"
    RETENTION_PURGED = "retention.purged"
    SETTINGS_CHANGED = "settings.changed"

    # Evidence seals and keys
    EVIDENCE_SEALED = "evidence.sealed"
    EVIDENCE_KEY_ROTATED = "evidence.key_rotated"

    # Integrations
    API_TOKEN_CREATED = "api_token.created"  # noqa: S105 - an action name
    API_TOKEN_REVOKED = "api_token.revoked"  # noqa: S105 - an action name
    WEBHOOK_REGISTERED = "webhook.registered"
    WEBHOOK_DISABLED = "webhook.disabled"
    SCIM_GROUP_CHANGED = "scim.group_changed"
    SCIM_GROUP_MAPPING_CHANGED = "scim.group_mapping_changed"
    SCIM_BULK = "scim.bulk"  # one bulk request: how many operations, answered, failed
