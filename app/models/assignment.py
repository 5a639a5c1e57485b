"""HR assignments of modules (to a department or to named people) and module versions first seen."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint, select
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


# Whether an assignment names the person, read in the same statement as the sign-in check
# (app.people.sessions) and kept for the request in its WSGI environ as (user id, answer): the
# due dates on the home page look for named assignments, and most people are named in none.
NAMED_IN_ASSIGNMENTS_KEY = "charte.named_in_assignments"


def named_in_assignments(user_id: Any) -> Any:
    """A boolean subquery: does any assignment name this person (a column or a value)?"""
    return select(AssignmentTarget.id).where(AssignmentTarget.user_id == user_id).exists()
