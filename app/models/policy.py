"""Published versions of the social-media policy, with the exact texts shown to employees."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
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
        back_populates="policy_version", order_by="PolicyText.locale", lazy="raise"
    )

    def __repr__(self) -> str:
        return f"<PolicyVersion {self.version}>"


class PolicyText(db.Model):
    """The text of one version in one language, exactly as shown (organisation names filled in).

    Stored at publication so that an acknowledgement's SHA-256 can be checked against it even
    after the files in content/ have changed.
    """

    __tablename__ = "policy_text"
    __table_args__ = (UniqueConstraint("policy_version_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_version_id: Mapped[int] = mapped_column(ForeignKey("policy_version.id"))
    locale: Mapped[str] = mapped_column(String(5))
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
