"""Groups pushed by an identity provider over SCIM, their members, and what each group maps to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

# What membership of a group means in Charte: nothing yet, a department, or a role.
MAPS_TO_NOTHING, MAPS_TO_DEPARTMENT, MAPS_TO_ROLE = "", "department", "role"


class ScimGroup(db.Model):  # type: ignore[name-defined]  # as every model: mypy-baseline.txt
    """A group as the identity provider named it; an administrator decides what it maps to."""

    __tablename__ = "scim_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(200))
    maps_to: Mapped[str] = mapped_column(String(20), default=MAPS_TO_NOTHING)
    # The department name, or the role's value, members receive.
    target: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ScimGroupMember(db.Model):  # type: ignore[name-defined]
    """One person in one group (operational state: the provider replaces it at will)."""

    __tablename__ = "scim_group_member"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("scim_group.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
