"""All models, imported here so that Alembic and create_all see every table."""

from app.models.audit import AuditEvent
from app.models.setting import Setting
from app.models.user import Role, User

__all__ = ["AuditEvent", "Role", "Setting", "User"]
