"""All models, imported here so that Alembic and create_all see every table."""

from app.models.acknowledgement import Acknowledgement
from app.models.api_token import ApiToken
from app.models.asset import AssetPublication, AssetTag, AssetTakedown, MediaAsset
from app.models.assignment import Assignment, AssignmentTarget, ModuleVersionSeen
from app.models.audit import AuditEvent
from app.models.certificate import Certificate, CertificateRevocation
from app.models.consent import ConsentEvent, ConsentPurpose, ConsentText
from app.models.dashboard import DashboardSnapshot
from app.models.learning import (
    ModuleCompletion,
    ModulePlacement,
    ModuleProgress,
    QuizAttempt,
    QuizSnapshot,
)
from app.models.ops import JobHeartbeat
from app.models.policy import PolicyText, PolicyVersion
from app.models.privacy import EvidenceAttachment, RetentionPurge
from app.models.publication import PublicationCheck, PublicationCheckPerson, PublicationReview
from app.models.reminder import EscalationNotice, Notification, ReminderSent
from app.models.setting import Setting
from app.models.step_up import StepUp
from app.models.user import Role, ScimGroup, ScimGroupMember, User, UserSession
from app.models.webhook import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "AssetPublication",
    "AssetTag",
    "AssetTakedown",
    "MediaAsset",
    "EscalationNotice",
    "ScimGroup",
    "ScimGroupMember",
    "JobHeartbeat",
    "Notification",
    "StepUp",
    "Assignment",
    "AssignmentTarget",
    "ModuleVersionSeen",
    "ReminderSent",
    "AuditEvent",
    "Certificate",
    "CertificateRevocation",
    "ModuleCompletion",
    "ModulePlacement",
    "ModuleProgress",
    "QuizAttempt",
    "QuizSnapshot",
    "Acknowledgement",
    "PolicyText",
    "PolicyVersion",
    "ConsentEvent",
    "DashboardSnapshot",
    "ConsentPurpose",
    "ConsentText",
    "EvidenceAttachment",
    "RetentionPurge",
    "PublicationCheck",
    "PublicationCheckPerson",
    "PublicationReview",
    "Role",
    "Setting",
    "User",
    "UserSession",
    "ApiToken",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
