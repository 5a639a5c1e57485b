"""API tokens: issue (shown once), authenticate by hash, revoke; every change audited."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app.core import audit
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.extensions import db
from app.models.api_token import SCOPES, ApiToken
from app.models.types import utcnow
from app.models.user import User

TOKEN_PREFIX = "chrt_"  # noqa: S105 - a public marker, not a secret
# Writing last_used_at on every call would make each read a write: once a minute is enough.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenError(ValueError):
    """The token cannot be created; the message says why."""


ADMIN_SCOPE = "employees:admin"


@dataclass(frozen=True)
class Caller:
    """Who is calling the API: the token (by id and name), its scopes and the admin who issued it."""

    token_id: int
    name: str
    scopes: frozenset[str]
    issuer_id: int

    @property
    def reaches_privileged(self) -> bool:
        """May this token read or change accounts above the employee role (HR, admins…)?"""
        return ADMIN_SCOPE in self.scopes

    def actor(self) -> User:
        """The person accountable for what the token does (its issuer), for evidence and audit."""
        return db.session.get(User, self.issuer_id)


@dataclass(frozen=True)
class IssuedToken:
    """A new token and the only copy of its secret value."""

    token: ApiToken
    value: str


def digest(value: str) -> str:
    """SHA-256 of a token: what the database keeps."""
    return hashlib.sha256(value.encode()).hexdigest()


def create(name: str, scopes: list[str], *, actor: User, client: ClientInfo) -> IssuedToken:
    """Issue a named token with these scopes; its value is returned once and never stored."""
    name = " ".join(name.split())
    if not name:
        raise TokenError(_("Give the token a name."))
    chosen = [s for s in SCOPES if s in set(scopes)]
    if not chosen or len(chosen) != len(set(scopes)):
        raise TokenError(_("Choose at least one scope."))
    value = TOKEN_PREFIX + secrets.token_urlsafe(32)  # 256 random bits
    token = ApiToken(
        name=name[:120],
        prefix=value[: len(TOKEN_PREFIX) + 6],
        token_sha256=digest(value),
        scopes=" ".join(chosen),
        created_by_id=actor.id,
        issuer_generation=actor.privilege_generation or 0,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        AuditAction.API_TOKEN_CREATED,
        actor=actor,
        target_type="api_token",
        target_id=token.id,
        details={"name": token.name, "scopes": chosen, "prefix": token.prefix},
        client=client,
    )
    db.session.commit()
    return IssuedToken(token, value)


def revoke(token_id: int, *, actor: User, client: ClientInfo) -> bool:
    """Revoke a token for good; False when it does not exist or was already revoked."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    audit.record(
        AuditAction.API_TOKEN_REVOKED,
        actor=actor,
        target_type="api_token",
        target_id=token.id,
        details={"name": token.name, "prefix": token.prefix},
        client=client,
    )
    db.session.commit()
    return True


def all_tokens() -> list[ApiToken]:
    """Every token, newest first, with who issued it (one query)."""
    return list(
        db.session.scalars(
            select(ApiToken).options(joinedload(ApiToken.created_by)).order_by(ApiToken.id.desc())
        )
    )


def authenticate(value: str, now: datetime | None = None) -> Caller | None:
    """The caller an active token stands for, noting when the token was last used."""
    if not value.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(
        select(ApiToken)
        .where(ApiToken.token_sha256 == digest(value), ApiToken.revoked_at.is_(None))
        .options(joinedload(ApiToken.created_by))
    )
    # A token acts for its issuer: it stops working when they leave or are no longer admin, and
    # stays dead after a re-promotion or reactivation (each of those moves the generation).
    if token is None:
        return None
    issuer = token.created_by
    if (
        not issuer.active
        or not issuer.is_admin
        or token.issuer_generation != (issuer.privilege_generation or 0)
    ):
        return None
    caller = Caller(token.id, token.name, frozenset(token.scope_list), token.created_by_id)
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
    return caller
