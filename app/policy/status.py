"""Where people stand with the policy: one person's status and history, and the HR overview."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from app.core import paging
from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.policy import PolicyText, PolicyVersion
from app.models.user import User
from app.policy import published
from app.policy import versions as policy
from app.policy.published import PublishedVersion

PER_PAGE = 50
STATES = ("current", "outdated", "never")


@dataclass(frozen=True)
class Signature:
    """One of a person's signatures as their pages show it: `id` is the acknowledgement's,
    `version` the number of the version signed."""

    id: int
    policy_version_id: int
    version: int
    signed_at: datetime
    locale: str
    text_sha256: str


@dataclass
class PolicyStatus:
    """Where one person stands with the policy, ready for a page."""

    current: PublishedVersion | None
    history: list[Signature] = field(default_factory=list)  # newest version first
    # (version number, summary of changes) of the published versions newer than the one signed
    changes_since: list[tuple[int, str]] = field(default_factory=list)

    @property
    def latest(self) -> Signature | None:
        return self.history[0] if self.history else None

    @property
    def state(self) -> str:
        """unpublished, never, outdated or current."""
        if self.current is None:
            return "unpublished"
        if self.latest is None:
            return "never"
        return "current" if self.latest.policy_version_id == self.current.id else "outdated"


def status_for(user: User) -> PolicyStatus:
    """The user's signatures and the current version, with what changed since their last one."""
    # Plain values in two cheap reads: the published versions from the process's copy
    # (app/policy/published.py) and the person's signatures, newest version first.
    versions = published.published()
    history = [
        Signature(*row)
        for row in db.session.execute(
            select(
                Acknowledgement.id,
                Acknowledgement.policy_version_id,
                PolicyVersion.version,
                Acknowledgement.signed_at,
                Acknowledgement.locale,
                Acknowledgement.text_sha256,
            )
            .join(PolicyVersion)
            .where(Acknowledgement.user_id == user.id)
            .order_by(PolicyVersion.version.desc())
        )
    ]
    status = PolicyStatus(current=versions[0] if versions else None, history=history)
    if status.state == "outdated" and status.latest is not None:
        signed = status.latest.version
        status.changes_since = [
            (v.version, policy.summary_for(v, user.locale))
            for v in reversed(versions)
            if v.version > signed
        ]
    return status


def signature_with_texts(ack_id: int) -> Acknowledgement:
    """The signature's row with its version and that version's texts (for a redline)."""
    return db.session.scalars(
        select(Acknowledgement)
        .where(Acknowledgement.id == ack_id)
        .options(selectinload(Acknowledgement.policy_version).selectinload(PolicyVersion.texts))
    ).one()


@dataclass(frozen=True)
class StatusFilter:
    """What HR typed in the overview's search and filter fields."""

    q: str = ""
    department: str = ""
    state: str = ""  # "", current, outdated, never
    at: str | None = None  # keyset bookmark of the page (app.core.paging.window)
    start: int = 1  # number of the page's first row, for display


@dataclass(frozen=True)
class StatusRow:
    """One person and their latest signature (version number and date), if any."""

    user: User
    signed_version: int | None
    signed_at: datetime | None
    state: str
    acknowledgement_id: int | None = None
    on_behalf: bool = False  # given on paper, recorded by HR
    signed_label: str | None = None  # "3" or "3.1": the revision whose text was signed


@dataclass(frozen=True)
class StatusPage:
    """One page of the overview."""

    items: list[StatusRow]
    total: int
    per_page: int
    current_version: int | None
    window: paging.Window
    current_label: str | None = None  # "3" or "3.1"


def _overview_query(flt: StatusFilter, current: int | None) -> Select:
    # Latest signed version per person, joined back to that acknowledgement for its date:
    # one statement however many people and signatures there are.
    latest = (
        select(
            Acknowledgement.user_id.label("user_id"),
            func.max(PolicyVersion.version).label("version"),
        )
        .join(PolicyVersion, PolicyVersion.id == Acknowledgement.policy_version_id)
        .group_by(Acknowledgement.user_id)
        .subquery()
    )
    signed_version = PolicyVersion.__table__.alias("signed_version")
    signed = Acknowledgement.__table__.alias("signed")
    # The revision whose text was signed (its minor number), found by the text's digest.
    signed_text = PolicyText.__table__.alias("signed_text")
    query = (
        select(
            User,
            latest.c.version,
            signed.c.signed_at,
            signed.c.id,
            signed.c.on_behalf,
            signed_text.c.minor,
        )
        .outerjoin(latest, latest.c.user_id == User.id)
        .outerjoin(signed_version, signed_version.c.version == latest.c.version)
        .outerjoin(
            signed,
            and_(signed.c.user_id == User.id, signed.c.policy_version_id == signed_version.c.id),
        )
        .outerjoin(
            signed_text,
            and_(
                signed_text.c.policy_version_id == signed.c.policy_version_id,
                signed_text.c.locale == signed.c.locale,
                signed_text.c.sha256 == signed.c.text_sha256,
            ),
        )
        .where(User.active.is_(True))
    )
    if flt.q:
        like = f"%{flt.q.strip().lower()}%"
        query = query.where(
            or_(func.lower(User.full_name).like(like), func.lower(User.email).like(like))
        )
    if flt.department:
        query = query.where(User.department == flt.department)
    if flt.state == "never":
        query = query.where(latest.c.version.is_(None))
    elif flt.state == "current" and current is not None:
        query = query.where(latest.c.version == current)
    elif flt.state == "outdated" and current is not None:
        query = query.where(latest.c.version < current)
    elif flt.state in ("current", "outdated"):
        query = query.where(False)
    return query


def _state(version: int | None, current: int | None) -> str:
    if version is None:
        return "never"
    return "current" if version == current else "outdated"


def overview(flt: StatusFilter, per_page: int = PER_PAGE) -> StatusPage:
    """Active people with their policy status, sorted by name (four queries)."""
    current_row = policy.current_version()
    current = current_row.version if current_row else None
    query = _overview_query(flt, current)
    found = paging.window(
        query.order_by(User.full_name, User.id),
        at=flt.at,
        start=flt.start,
        per_page=per_page,
        total=paging.count_of(query),
        rows=True,
    )
    items = [
        StatusRow(
            user=user,
            signed_version=version,
            signed_at=signed_at,
            state=_state(version, current),
            acknowledgement_id=ack_id,
            on_behalf=bool(on_behalf),
            signed_label=None if version is None else policy.revision_label(version, minor),
        )
        for user, version, signed_at, ack_id, on_behalf, minor in found.items
    ]
    return StatusPage(
        items=items,
        total=found.total,
        per_page=per_page,
        current_version=current,
        window=found,
        current_label=policy.label(current_row) if current_row else None,
    )
