"""Learning records: placement, progress, quiz snapshots, attempts, completions, authored content."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class ModulePlacement(db.Model):
    """The admin's overrides of a module's position and required flag (front matter otherwise)."""

    __tablename__ = "module_placement"

    slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    position: Mapped[int | None] = mapped_column(Integer)
    required: Mapped[bool | None] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class ModuleProgress(db.Model):
    """Where one learner is in one module, at the material version they are reading."""

    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    module_slug: Mapped[str] = mapped_column(String(120))
    content_hash: Mapped[str] = mapped_column(String(64))
    material_version: Mapped[int] = mapped_column(Integer)
    current_step: Mapped[int] = mapped_column(Integer, default=0)
    # Indices (0-based) of the steps seen at this material version.
    steps_seen: Mapped[list[int]] = mapped_column(JSON, default=list)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    steps_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuizSnapshot(db.Model):
    """A quiz definition exactly as it was, by content hash; attempts are scored against it."""

    __tablename__ = "quiz_snapshot"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    module_slug: Mapped[str] = mapped_column(String(120))
    material_version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuizAttempt(db.Model):
    """One try at a quiz: its shuffled order, then (once, on submission) answers and score."""

    __tablename__ = "quiz_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    module_slug: Mapped[str] = mapped_column(String(120))
    quiz_hash: Mapped[str] = mapped_column(ForeignKey("quiz_snapshot.content_hash"))
    material_version: Mapped[int] = mapped_column(Integer)
    question_order: Mapped[list[str]] = mapped_column(JSON)
    choice_order: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    answers: Mapped[dict[str, list[str]] | None] = mapped_column(JSON)
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[int] = mapped_column(Integer)
    percent: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Sealed once, on submission (the row receives its answers and score then).
    mac: Mapped[str | None] = mapped_column(String(64))  # app.evidence.seals; NULL: not sealed yet
    # The evidence key that sealed the row (app.core.keys; NULL: the legacy SECRET_KEY one).
    key_id: Mapped[str | None] = mapped_column(String(32))

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None


class ModuleCompletion(db.Model):
    """Evidence that a learner completed a module at a material version (append-only)."""

    __tablename__ = "module_completion"
    __table_args__ = (UniqueConstraint("user_id", "module_slug", "material_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    module_slug: Mapped[str] = mapped_column(String(120), index=True)
    material_version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    score: Mapped[int] = mapped_column(Integer)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id"))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mac: Mapped[str | None] = mapped_column(String(64))  # app.evidence.seals; NULL: not sealed yet
    # The evidence key that sealed the row (app.core.keys; NULL: the legacy SECRET_KEY one).
    key_id: Mapped[str | None] = mapped_column(String(32))


class ContentDraft(db.Model):
    """A set of content files being written in the browser; nobody learns from it until published."""

    __tablename__ = "content_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), default="open")  # open, published, discarded
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ContentDraftFile(db.Model):
    """One saved revision of a file of a draft: rows are only added, the newest per path counts."""

    __tablename__ = "content_draft_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("content_draft.id"), index=True)
    path: Mapped[str] = mapped_column(String(300))  # e.g. quizzes/why-a-policy.yaml
    text: Mapped[str] = mapped_column(Text)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PublishedContentFile(db.Model):
    """Evidence: a content file as published from the browser (append-only, sealed).

    The newest row per path replaces the shipped file of that path for everyone.
    """

    __tablename__ = "published_content_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(300), index=True)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    draft_id: Mapped[int] = mapped_column(ForeignKey("content_draft.id"))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mac: Mapped[str | None] = mapped_column(String(64))  # app.evidence.seals
    key_id: Mapped[str | None] = mapped_column(String(32))
