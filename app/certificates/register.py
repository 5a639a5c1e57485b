"""The HR list of certificates: search, filters, pagination, and the audited ZIP export."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from app.core import audit, paging
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.extensions import db
from app.models.certificate import KINDS, Certificate, CertificateRevocation
from app.models.user import Role, User

PER_PAGE = 50
STATUSES = ("valid", "revoked")


@dataclass(frozen=True)
class CertificateFilter:
    """What HR typed in the list's search and filter fields."""

    q: str = ""
    department: str = ""
    kind: str = ""  # "", module, programme
    module: str = ""  # a module slug
    status: str = ""  # "", valid, revoked
    at: str | None = None  # keyset bookmark of the page (app.core.paging.window)
    start: int = 1  # number of the page's first row, for display

    @classmethod
    def from_args(cls, args) -> CertificateFilter:
        """Build a filter from query-string arguments, ignoring values that make no sense."""
        at, start = paging.window_args(args)
        kind = args.get("kind", "")
        status = args.get("status", "")
        return cls(
            q=args.get("q", "")[:100],
            department=args.get("department", "")[:120],
            kind=kind if kind in KINDS else "",
            module=args.get("module", "")[:120],
            status=status if status in STATUSES else "",
            at=at,
            start=start,
        )

    def args(self) -> dict[str, str]:
        """The filter as query-string arguments (without the page's position)."""
        return {key: value for key, value in asdict(self).items() if key not in POSITION and value}


@dataclass(frozen=True)
class CertificatePage:
    """One page of the list."""

    items: list[Certificate]
    total: int
    per_page: int
    window: paging.Window


POSITION = ("at", "start")  # where the page is, not what is listed


def _query(flt: CertificateFilter) -> Select:
    query = (
        select(Certificate)
        .join(User, User.id == Certificate.user_id)
        .outerjoin(CertificateRevocation, CertificateRevocation.certificate_id == Certificate.id)
    )
    if flt.q:
        like = f"%{flt.q.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(User.full_name).like(like),
                func.lower(User.email).like(like),
                func.lower(Certificate.holder_name).like(like),
                func.lower(Certificate.code).like(like.replace("-", "")),
            )
        )
    if flt.department:
        query = query.where(User.department == flt.department)
    if flt.kind:
        query = query.where(Certificate.kind == flt.kind)
    if flt.module:
        query = query.where(Certificate.module_slug == flt.module)
    if flt.status == "valid":
        query = query.where(CertificateRevocation.id.is_(None))
    elif flt.status == "revoked":
        query = query.where(CertificateRevocation.id.is_not(None))
    return query


def listing(flt: CertificateFilter, per_page: int = PER_PAGE) -> CertificatePage:
    """Certificates matching the filter, newest first, holder and revocation loaded (2 queries)."""
    query = _query(flt)
    found = paging.window(
        query.options(
            contains_eager(Certificate.user), contains_eager(Certificate.revocation)
        ).order_by(Certificate.issued_at.desc(), Certificate.id.desc()),
        at=flt.at,
        start=flt.start,
        per_page=per_page,
        total=paging.count_of(query),
    )
    return CertificatePage(items=found.items, total=found.total, per_page=per_page, window=found)


def start_export(flt: CertificateFilter, *, actor: User, client: ClientInfo) -> list[int]:
    """Ids of every certificate matching the filter, after auditing the export (commits)."""
    ids = list(
        db.session.scalars(_query(flt).with_only_columns(Certificate.id).order_by(Certificate.id))
    )
    audit.record(
        AuditAction.CERTIFICATES_EXPORTED,
        actor=actor,
        target_type="certificate",
        details={"filters": flt.args(), "count": len(ids)},
        client=client,
    )
    db.session.commit()
    return ids


@dataclass(frozen=True)
class CertificateRecord:
    """One certificate as the REST API lists it (ids ascending: the cursor is the id)."""

    id: int
    code: str
    employee_email: str
    employee_external_id: str | None
    title: str
    status: str  # "valid" or "revoked"
    issued_at: datetime
    revoked_at: datetime | None = None


def records_after(
    after_id: int, limit: int, *, employees_only: bool = False
) -> list[CertificateRecord]:
    """Certificates with id > after_id, ascending, at most `limit`, holders loaded (the API).

    `employees_only` leaves out the certificates of HR staff and administrators (a token
    without the employees:admin scope never reads them).
    """
    query = select(Certificate).where(Certificate.id > after_id)
    if employees_only:
        query = query.join(Certificate.user).where(User.role == Role.EMPLOYEE.value)
    rows = db.session.scalars(
        query.options(selectinload(Certificate.user), selectinload(Certificate.revocation))
        .order_by(Certificate.id)
        .limit(limit)
    )
    return [
        CertificateRecord(
            id=row.id,
            code=row.code,
            employee_email=row.user.email,
            employee_external_id=row.user.external_id,
            title=row.title_en,
            status="revoked" if row.revocation else "valid",
            issued_at=row.issued_at,
            revoked_at=row.revocation.revoked_at if row.revocation else None,
        )
        for row in rows
    ]
