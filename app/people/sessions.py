"""Server-side sessions: one row per signed-in browser, checked on every request.

The signed cookie holds a random key; the `user_session` row holds its SHA-256. A cookie is
accepted only while its row exists, has not ended, belongs to the user's current session
generation (`User.session_token`), has been used within the idle timeout and is younger than
the absolute lifetime. Ending a row therefore ends every copy of that cookie, which a signed
cookie alone cannot do. This module never reads the request: people.signin is the web glue.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import cast

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, delete, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import undefer

from app.core import audit, settings
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.extensions import db
from app.models.asset import TAGGED_IN_ASSETS_KEY, tagged_in_assets
from app.models.assignment import NAMED_IN_ASSIGNMENTS_KEY, named_in_assignments
from app.models.reminder import (
    REMINDERS_RECEIVED_KEY,
    UNREAD_NOTICES_KEY,
    reminders_received_by,
    unread_notices_of,
)
from app.models.types import utcnow
from app.models.user import Role, User, UserSession, new_session_token

# last_seen_at is written at most once a minute per browser: one UPDATE a minute, not a request.
TOUCH_INTERVAL = timedelta(seconds=60)

SECTION = _l("Sessions")
IDLE_MINUTES_STAFF = settings.SettingSpec(
    "sessions.idle_minutes_staff",
    "int",
    30,
    _l("Idle timeout for HR, administrators, auditors and communications (minutes)"),
    SECTION,
    _l("A browser left unused this long is signed out. These roles see other people's data."),
    minimum=5,
    maximum=24 * 60,
)
IDLE_MINUTES_EMPLOYEE = settings.SettingSpec(
    "sessions.idle_minutes_employee",
    "int",
    8 * 60,
    _l("Idle timeout for employees (minutes)"),
    SECTION,
    _l("A browser left unused this long is signed out."),
    minimum=5,
    maximum=24 * 60,
)
MAX_HOURS = settings.SettingSpec(
    "sessions.max_hours",
    "int",
    12,
    _l("Longest session (hours)"),
    SECTION,
    _l("After this long a browser must sign in again, even when in use."),
    minimum=1,
    maximum=7 * 24,
)
ALL_SETTINGS = (IDLE_MINUTES_STAFF, IDLE_MINUTES_EMPLOYEE, MAX_HOURS)

# Why a session ended (user_session.revoked_reason).
SIGNED_OUT = "signed_out"
SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"
SIGNED_OUT_REMOTELY = "signed_out_remotely"  # from another of the person's browsers
PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a reason, not a password
ROLE_CHANGED = "role_changed"
DEACTIVATED = "deactivated"
IDLE = "idle"
EXPIRED = "expired"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def idle_limit(user: User) -> timedelta:
    """How long this person's browser may stay unused: shorter for roles that see others' data."""
    spec = IDLE_MINUTES_EMPLOYEE if Role(user.role) is Role.EMPLOYEE else IDLE_MINUTES_STAFF
    return timedelta(minutes=settings.get(spec))


def max_age() -> timedelta:
    """The absolute lifetime of a session, however active."""
    return timedelta(hours=settings.get(MAX_HOURS))


def describe_browser(user_agent: str | None) -> str:
    """A short "Browser · System" summary of a User-Agent, for the person's list of sessions.

    Written here rather than taken from a user-agent library: the summary only helps a person
    recognise their own devices, decides nothing, and a dozen substrings cover the browsers in use.
    """
    agent = user_agent or ""
    browser = next((name for token, name in _BROWSERS if token in agent), "")
    system = next((name for token, name in _SYSTEMS if token in agent), "")
    if not browser:
        product = re.match(r"[A-Za-z][A-Za-z0-9._-]{0,30}", agent)
        browser = product.group(0) if product else ""
    return " · ".join(part for part in (browser, system) if part)[:80]


_BROWSERS = (
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("CriOS/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Android", "Android"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def create(user: User, *, auth_method: str, ip: str | None, user_agent: str | None) -> str:
    """Record a new signed-in browser and return the key its cookie will carry (commits).

    The person's ended sessions are deleted first: ended rows serve no check, and they hold an
    IP address.
    """
    now = utcnow()
    _prune(user, now)
    key = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            user_id=user.id,
            key_hash=_hash(key),
            generation=user.session_token,
            auth_method=auth_method[:20],
            created_at=now,
            last_seen_at=now,
            ip=ip,
            device=describe_browser(user_agent),
        )
    )
    db.session.commit()
    return key


def _prune(user: User, now: datetime) -> None:
    db.session.execute(
        delete(UserSession)
        .where(UserSession.user_id == user.id)
        .where(
            or_(
                UserSession.revoked_at.is_not(None),
                UserSession.generation != user.session_token,
                UserSession.created_at < now - max_age(),
            )
        )
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Check:
    """The outcome of checking a cookie: the user it signs in, or why it does not."""

    user: User | None
    ended: str | None = None  # IDLE or EXPIRED when this check ended the session


# What the sign-in check answers besides the person, by the kind of request. A page draws the
# header (its unread-notices bell, the "My reports" link); a few read-only pages also skip the
# statements that known_none() answers from the check (app.database.PAGES_THAT_SKIP_EMPTY_READS);
# an action (a POST, answered with a redirect) needs none of it, and a page it renders after all
# asks for what it draws.
ACTION = "action"
PAGE = "page"
PAGE_SKIPPING_READS = "page_skipping_reads"


@cache
def _check_statement(answers: str) -> Select:
    """The sign-in check's one statement, built once per kind of request: every request runs it,
    and building it (with its subqueries) cost more than running it."""
    columns: list = [
        # The session's columns the check reads, not the ORM object: only the person is used
        # as an object afterwards, and building a second one cost every request.
        UserSession.id,
        UserSession.generation,
        UserSession.revoked_at,
        UserSession.created_at,
        UserSession.last_seen_at,
        User,
    ]
    if answers in (PAGE, PAGE_SKIPPING_READS):
        columns.append(unread_notices_of(User.id))
    if answers == PAGE_SKIPPING_READS:
        columns += [
            reminders_received_by(User.id),
            named_in_assignments(User.id),
            tagged_in_assets(User.id),
        ]
    statement = (
        select(*columns)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.key_hash == bindparam("key_hash"))
    )
    if answers != ACTION:
        statement = statement.options(undefer(User.has_reports))  # type: ignore[attr-defined]
    return statement


def check(user_id: str, key: str | None, answers: str = PAGE_SKIPPING_READS) -> Check:
    """The user a cookie signs in, if its session is still valid (one query, which also answers
    what `answers` names, kept in the WSGI environ; commits when it records use, at most once a
    minute, or ends an idle or too-old session).

    `user_id` is what Flask-Login stored ("<id>:<session generation>"), `key` the cookie's key.
    """
    raw_id, _, generation = user_id.partition(":")
    if not key or not raw_id.isdigit():
        return Check(None)
    found = db.session.execute(_check_statement(answers), {"key_hash": _hash(key)}).first()
    if found is None:
        return Check(None)
    session_id, session_generation, revoked_at, created_at, last_seen_at, user = found[:6]
    if has_request_context() and answers != ACTION:  # the header's bell shows it
        request.environ[UNREAD_NOTICES_KEY] = found[6]  # app.models.reminder
    if has_request_context() and answers == PAGE_SKIPPING_READS:
        # What the home page and "My image" would otherwise ask in more statements (see the
        # keys' models).
        reminded, named, tagged = found[7:]
        request.environ[REMINDERS_RECEIVED_KEY] = (user.id, bool(reminded))
        request.environ[NAMED_IN_ASSIGNMENTS_KEY] = (user.id, bool(named))
        request.environ[TAGGED_IN_ASSETS_KEY] = (user.id, bool(tagged))
    if (
        user.id != int(raw_id)
        or not user.active
        or revoked_at is not None
        or session_generation != user.session_token
        or generation != user.session_token
    ):
        return Check(None)
    now = utcnow()
    if now - last_seen_at > idle_limit(user):
        _end_one(session_id, IDLE, now)
        return Check(None, IDLE)
    if now - created_at > max_age():
        _end_one(session_id, EXPIRED, now)
        return Check(None, EXPIRED)
    if now - last_seen_at >= TOUCH_INTERVAL:
        _write(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now))
    return Check(user)


def _end_one(session_id: int, reason: str, now: datetime) -> None:
    _write(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )


def _write(statement) -> None:
    # Called while loading the user, before the view wrote anything. The read transaction is
    # closed first so that, on SQLite, the write starts a transaction of its own (upgrading a
    # read snapshot to a write can fail at once when another request wrote meanwhile).
    db.session.commit()
    db.session.execute(statement.execution_options(synchronize_session=False))
    db.session.commit()


def id_for_key(key: str | None) -> int | None:
    """The id of the session a cookie key belongs to, if any."""
    if not key:
        return None
    return db.session.scalar(select(UserSession.id).where(UserSession.key_hash == _hash(key)))


def end(user: User, key: str | None, client: ClientInfo, reason: str = SIGNED_OUT) -> bool:
    """End the session of one browser (by its cookie key), audited; True when one was open
    (commits)."""
    if not key:
        return False
    ended = _end_where(
        user, reason, UserSession.key_hash == _hash(key), UserSession.revoked_at.is_(None)
    )
    if ended:  # nothing to audit when a password change or deactivation already ended it
        _audit_sign_out(user, client, "this_browser", ended)
    db.session.commit()
    return bool(ended)


def end_by_id(user: User, session_id: int, client: ClientInfo) -> bool:
    """End one of the person's own sessions, chosen on their Me page, audited; False when not
    theirs or already ended (commits)."""
    ended = _end_where(
        user,
        SIGNED_OUT_REMOTELY,
        UserSession.id == session_id,
        UserSession.revoked_at.is_(None),
        UserSession.generation == user.session_token,
    )
    if ended:
        _audit_sign_out(user, client, "one_browser", ended)
    db.session.commit()
    return bool(ended)


def end_everywhere(user: User, client: ClientInfo) -> int:
    """Sign out of all devices: end every session of the person, audited (commits)."""
    ended = end_all(user, SIGNED_OUT_EVERYWHERE)
    _audit_sign_out(user, client, "all_browsers", ended)
    db.session.commit()
    return ended


def _end_where(user: User, reason: str, *conditions) -> int:
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, *conditions)
        .values(revoked_at=utcnow(), revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult, result).rowcount


def _audit_sign_out(user: User, client: ClientInfo, scope: str, ended: int) -> None:
    audit.record(
        AuditAction.AUTH_SIGNED_OUT,
        actor=user,
        subject=user,
        target_type="user",
        target_id=user.id,
        details={"scope": scope, "sessions_ended": ended},
        client=client,
    )


def end_all(user: User, reason: str) -> int:
    """End every session of the person, in the caller's transaction (the caller commits).

    The session generation changes too, so that a cookie whose row was somehow missed, or a
    "remember me" cookie, fails the generation check. Returns how many rows were open.
    """
    user.session_token = new_session_token()
    return _end_where(user, reason, UserSession.revoked_at.is_(None))


def end_all_many(users: list[User], reason: str) -> int:
    """end_all for many people at once (a directory's bulk deactivation): one statement per
    900 people instead of one per person; the caller commits. Returns the rows ended."""
    ended = 0
    for user in users:
        user.session_token = new_session_token()
    ids = [user.id for user in users]
    for start in range(0, len(ids), 900):  # SQLite's bound-parameter limit
        result = db.session.execute(
            update(UserSession)
            .where(UserSession.user_id.in_(ids[start : start + 900]))
            .where(UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow(), revoked_reason=reason)
            .execution_options(synchronize_session=False)
        )
        ended += cast(CursorResult, result).rowcount
    return ended


@dataclass(frozen=True)
class ActiveSession:
    """One open session as its owner sees it on the Me page."""

    id: int
    device: str
    ip: str | None
    auth_method: str
    created_at: datetime
    last_seen_at: datetime
    current: bool


def active(user: User, current_key: str | None) -> list[ActiveSession]:
    """The person's open sessions, most recently used first, this browser's marked (one query)."""
    now = utcnow()
    current_hash = _hash(current_key) if current_key else None
    rows = db.session.scalars(
        select(UserSession)
        .where(
            UserSession.user_id == user.id,
            UserSession.revoked_at.is_(None),
            UserSession.generation == user.session_token,
            UserSession.created_at >= now - max_age(),
            UserSession.last_seen_at >= now - idle_limit(user),
        )
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    )
    return [
        ActiveSession(
            row.id,
            row.device,
            row.ip,
            row.auth_method,
            row.created_at,
            row.last_seen_at,
            row.key_hash == current_hash,
        )
        for row in rows
    ]
