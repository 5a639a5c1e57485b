"""HR assignments of modules (to a department or to named people) and module versions first seen."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class Assignment(db.Model):
    """HR asks a department (members evaluated when read) or named people to complete a module."""

    __tablename__ = "assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_slug: Mapped[str] = mapped_column(String(120))
    # Set for a department assignment; None when the people are listed in assignment_target.
    department: Mapped[str | None] = mapped_column(String(120), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    targets: Mapped[list[AssignmentTarget]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan", lazy="raise"
    )


class AssignmentTarget(db.Model):
    """One person named in an assignment."""

    __tablename__ = "assignment_target"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)

    assignment: Mapped[Assignment] = relationship(back_populates="targets", lazy="raise")


class ModuleVersionSeen(db.Model):
    """The day the system first saw a module's material version: the start of its new deadline."""

    __tablename__ = "module_version_seen"

    module_slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    material_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_seen_on: Mapped[date] = mapped_column(Date)
