"""All models, imported here so that Alembic and create_all see every table."""

from app.models.acknowledgement import Acknowledgement
from app.models.audit import AuditEvent
from app.models.consent import ConsentEvent, ConsentPurpose, ConsentText
from app.models.learning import (
    ModuleCompletion,
    ModulePlacement,
    ModuleProgress,
    QuizAttempt,
    QuizSnapshot,
)
from app.models.policy import PolicyText, PolicyVersion
from app.models.privacy import EvidenceAttachment, RetentionPurge
from app.models.publication import PublicationCheck, PublicationCheckPerson, PublicationReview
from app.models.setting import Setting
from app.models.user import Role, User

__all__ = [
    "AuditEvent",
    "ModuleCompletion",
    "ModulePlacement",
    "ModuleProgress",
    "QuizAttempt",
    "QuizSnapshot",
    "Acknowledgement",
    "PolicyText",
    "PolicyVersion",
    "ConsentEvent",
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
]
