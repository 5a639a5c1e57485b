"""Published versions of the social-media policy, with the exact texts shown to employees,
and the drafts authors write in the browser before publishing one."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow
from app.models.user import User


class PolicyVersion(db.Model):
    """One published version; never updated once written (the texts are copied, not linked)."""

    __tablename__ = "policy_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    effective_date: Mapped[date | None] = mapped_column(Date)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    published_by: Mapped[User | None] = relationship(lazy="raise")
    texts: Mapped[list[PolicyText]] = relationship(
        back_populates="policy_version",
        order_by=lambda: [PolicyText.locale, PolicyText.minor],
        lazy="raise",
    )

    def __repr__(self) -> str:
        return f"<PolicyVersion {self.version}>"


class PolicyText(db.Model):
    """The text of one version in one language, exactly as shown (organisation names filled in).

    Stored at publication so that an acknowledgement's SHA-256 can be checked against it even
    after the files in content/ have changed. A minor revision (wording, no new signature) adds
    rows with a higher `minor` to the same version: signatures of that version stay valid, each
    naming the exact text it signed by its SHA-256.
    """

    __tablename__ = "policy_text"
    __table_args__ = (UniqueConstraint("policy_version_id", "locale", "minor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_version_id: Mapped[int] = mapped_column(ForeignKey("policy_version.id"))
    locale: Mapped[str] = mapped_column(String(5))
    # 0 for the text published with the version, then 1, 2... for each minor revision.
    minor: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The stable ids of the `## ` sections, in order, space-separated (NULL: not known).
    section_ids: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(String(200))
    changes: Mapped[str] = mapped_column(Text, default="")
    markdown: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    # SHA-256 of `html`, the exact rendered text the employee reads and signs.
    sha256: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str | None] = mapped_column(String(64))  # app.evidence.seals; NULL: not sealed yet
    # The evidence key that sealed the row (app.core.keys; NULL: the legacy SECRET_KEY one).
    key_id: Mapped[str | None] = mapped_column(String(32))

    policy_version: Mapped[PolicyVersion] = relationship(back_populates="texts", lazy="raise")


class PolicyDraft(db.Model):
    """A policy being written in the browser: nobody but its authors and reviewers sees it.

    `revision` rises with every saved change (each change is also audited), so a form sent from
    an older page is refused rather than overwriting someone's newer edit.
    """

    __tablename__ = "policy_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    title_fr: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    changes_fr: Mapped[str] = mapped_column(Text, default="")
    changes_en: Mapped[str] = mapped_column(Text, default="")
    # The published version it started from (None: from the guided outline).
    based_on_version: Mapped[int | None] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # None: loaded from files by `flask content import` (its audit entry says which).
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The revision a second person approved (None: not approved, or changed since).
    approved_revision: Mapped[int | None] = mapped_column(Integer)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What was approved, as employees would read it (draft_content.digest): a change of the
    # organisation's names after the approval changes the text, so it needs approving again.
    approved_digest: Mapped[str | None] = mapped_column(String(64))
    published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    published_label: Mapped[str | None] = mapped_column(String(20))  # "4" or "3.1"

    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="raise")
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id], lazy="raise")
    sections: Mapped[list[PolicyDraftSection]] = relationship(
        back_populates="draft",
        order_by="PolicyDraftSection.position",
        cascade="all, delete-orphan",
        lazy="raise",
    )


class PolicyDraftSection(db.Model):
    """One section of a draft: a stable id and its heading and text in each language."""

    __tablename__ = "policy_draft_section"
    __table_args__ = (UniqueConstraint("draft_id", "section_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("policy_draft.id"), index=True)
    section_id: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    heading_fr: Mapped[str] = mapped_column(String(200), default="")
    heading_en: Mapped[str] = mapped_column(String(200), default="")
    body_fr: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")

    draft: Mapped[PolicyDraft] = relationship(back_populates="sections", lazy="raise")
