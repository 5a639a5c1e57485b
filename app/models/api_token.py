"""API tokens: named, scoped credentials an administrator issues to another system."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow
from app.models.user import User

SCOPES = (
    "employees:read",
    "employees:write",
    "status:read",
    "consents:read",
    "consents:check",
    "certificates:read",
    # Lets the token read and change accounts above the employee role (HR, admins, auditors…).
    "employees:admin",
    # SCIM provisioning (/scim/v2): create, update, deactivate people and their groups.
    "scim",
)


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is kept, the token itself is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # The first characters of the token, enough to recognise it in a list; never enough to use it.
    prefix: Mapped[str] = mapped_column(String(16))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(400))  # space-separated
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # The issuer's privilege_generation when the token was issued: it works only while they match.
    issuer_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User] = relationship(lazy="raise")

    @property
    def scope_list(self) -> list[str]:
        """The scopes granted, in the canonical order."""
        granted = set(self.scopes.split())
        return [s for s in SCOPES if s in granted]

    @property
    def active(self) -> bool:
        return self.revoked_at is None
