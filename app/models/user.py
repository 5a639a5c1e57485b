"""User accounts and their roles."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, event, exists
from sqlalchemy.orm import Mapped, column_property, mapped_column
from sqlalchemy.orm.base import NEVER_SET, NO_VALUE
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


def hash_password(password: str) -> str:
    """The password's hash with the configured method: scrypt, except in tests (see config)."""
    from flask import current_app

    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


class Role(StrEnum):
    """What a user may do; admin includes everything HR may do.

    An auditor reads what HR reads (dashboard, lists, exports, evidence) and changes nothing;
    communications sees the consent register and the publication check, never quiz scores.
    """

    EMPLOYEE = "employee"
    HR = "hr"
    ADMIN = "admin"
    AUDITOR = "auditor"
    COMMUNICATIONS = "communications"


def new_session_token() -> str:
    """Return a random token; changing it signs out every session of the user."""
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    """A person who signs in: an employee, HR or an administrator."""

    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased by the services, so uniqueness is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # The HR system's own identifier, so that the API can match people whose email changes.
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    department: Mapped[str] = mapped_column(String(120), default="", index=True)
    job_title: Mapped[str] = mapped_column(String(120), default="")
    start_date: Mapped[date | None] = mapped_column(Date)
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    role: Mapped[str] = mapped_column(String(20), default=Role.EMPLOYEE.value, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped whenever the role or the active flag changes (see _privileges_changed): what the
    # person issued with their authority (API tokens) records the generation it was issued in
    # and dies when it moves, so a demotion or deactivation is never undone by a re-promotion.
    privilege_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Their line manager (from SCIM, the CSV import, the API or HR's page): a manager sees the
    # progress of everyone below them, directly or not.
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    # Set when the identity provider DELETEs the person over SCIM: the account is deactivated
    # (evidence outlives it) and SCIM no longer finds it; a new POST of the same user clears it.
    directory_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The userName the identity provider knows the person by (Entra's UPN), when it is not the
    # email; SCIM answers with it and finds people by it.
    directory_user_name: Mapped[str | None] = mapped_column(String(254), unique=True)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        # The session token is part of the id so that rotating it ends every session.
        return f"{self.id}:{self.session_token}"

    def set_password(self, password: str) -> None:
        """Hash and store a password (scrypt in production), ending every existing session."""
        self.password_hash = hash_password(password)
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        """Return True when the password matches; False when none is set."""
        if not self.password_hash:
            return False
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: Role) -> bool:
        """Return True when the user holds one of the roles (admin holds HR's rights too)."""
        mine = Role(self.role)
        if mine in roles:
            return True
        return mine is Role.ADMIN and Role.HR in roles

    @property
    def is_hr(self) -> bool:
        return self.has_role(Role.HR)

    @property
    def is_admin(self) -> bool:
        return Role(self.role) is Role.ADMIN

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserSession(db.Model):  # type: ignore[name-defined]  # as every model: mypy-baseline.txt
    """One signed-in browser: the signed cookie carries a random key whose hash is stored here.

    Checked on every request (people.sessions), so that ending a row ends every copy of that
    browser's cookie: sign-out, "sign out of all devices", idle timeout and absolute lifetime.
    Operational state, not evidence: rows are pruned once ended.
    """

    __tablename__ = "user_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the key in the cookie: a copy of this table does not sign anyone in.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The user's session_token when the row was made: rotating it (password set, deactivation,
    # bulk offboarding) ends the rows made before without touching each of them.
    generation: Mapped[str] = mapped_column(String(32))
    auth_method: Mapped[str] = mapped_column(String(20), default="password")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(45))
    device: Mapped[str] = mapped_column(String(80), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(30))

    def __repr__(self) -> str:
        return f"<UserSession {self.id} user={self.user_id}>"


@event.listens_for(User.role, "set", active_history=True)
@event.listens_for(User.active, "set", active_history=True)
def _privileges_changed(user: User, value: object, old: object, _initiator: object) -> None:
    """Every ORM change of role or active flag (any page, API, CLI, SSO) moves the generation."""
    if old in (NO_VALUE, NEVER_SET) or old == value:
        return  # a new account, or nothing really changed
    user.privilege_generation = (user.privilege_generation or 0) + 1


# Whether someone active reports to this person (what opens the team pages and the "My team"
# menu item). Deferred: only the sign-in check of every request loads it (app.people.sessions),
# in the same statement as the person, instead of one more query per page.
_reports = User.__table__.alias("report")
User.has_reports = column_property(  # type: ignore[attr-defined]
    exists()
    .where(_reports.c.manager_id == User.id, _reports.c.active.is_(True))
    .correlate_except(_reports),
    deferred=True,
)


# Groups pushed by an identity provider over SCIM, their members, and what each group maps to.
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
