"""Step-up re-authentication: proof, given just before an action, that the person is at the keyboard.

Workflow state, not evidence: a row is created when someone without a password asks to sign,
proved by a fresh sign-in at the identity provider or by a one-time code sent by email, and used
once. The proof's method then goes into the evidence (the acknowledgement's `auth_method`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class StepUp(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy's dynamic base class
    """One re-authentication asked for a purpose (e.g. signing version 3 of the policy)."""

    __tablename__ = "step_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    # What the proof will be used for, as JSON (the pending signature: version, language, name).
    payload: Mapped[str] = mapped_column(Text, default="{}")
    method: Mapped[str] = mapped_column(String(20))  # "sso_step_up" or "email_code"
    # SSO: SHA-256 of the OAuth `state` (the value itself only travels through the browser) and
    # the nonce the ID token must carry.
    state_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    nonce: Mapped[str | None] = mapped_column(String(64))
    # Email code: an HMAC of the code (never the code), and the wrong tries so far.
    code_hmac: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    return_path: Mapped[str] = mapped_column(String(300), default="/")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    proved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    auth_time: Mapped[datetime | None] = mapped_column(UTCDateTime)  # from the ID token
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failure: Mapped[str | None] = mapped_column(String(40))  # why it can no longer be used

    def __repr__(self) -> str:
        return f"<StepUp {self.id} user={self.user_id} {self.method}>"
