"""All-or-nothing CSV import of employees."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import insert, select, update

from app.core import audit
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.extensions import db
from app.models.types import utcnow
from app.models.user import Role, User, new_session_token
from app.people import accounts
from app.people.directory import csv_line

COLUMNS = ("email", "full_name", "department", "job_title", "start_date", "locale", "role")
# Columns a file may add: the manager, by email (someone in the file or already in Charte).
OPTIONAL_COLUMNS = ("manager_email",)
_TEXT_LIMITS = {"full_name": 200, "department": 120, "job_title": 120}


@dataclass
class ImportResult:
    """What an import did, or every reason it did nothing."""

    errors: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


_DAY_FIRST = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")


def parse_day(text: str) -> date:
    """A date as spreadsheets write it: DD/MM/YYYY (French style) or YYYY-MM-DD; else ValueError."""
    text = text.strip()
    match = _DAY_FIRST.fullmatch(text)
    if match:
        return date(int(match[3]), int(match[2]), int(match[1]))
    return date.fromisoformat(text)


def template_lines(delimiter: str, day_first: bool) -> list[str]:
    """A CSV to fill in: the columns and one example line (dates as the reader writes them)."""
    example: list[object] = [
        "marie.dupont@example.com",
        "Marie Dupont",
        "Marketing",
        "Chargée de communication",
        "01/12/2026" if day_first else "2026-12-01",
        "fr",
        "employee",
    ]
    return ["\ufeff" + csv_line(list[object](COLUMNS), delimiter), csv_line(example, delimiter)]


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            _(
                "The file is not UTF-8 text (byte %(pos)d). Save it as “CSV UTF-8” and try again.",
                pos=exc.start,
            )
        ) from exc


def _sniff_dialect(text: str) -> type[csv.Dialect]:
    first_line = text.split("\n", 1)[0]
    return csv.excel if first_line.count(",") >= first_line.count(";") else _Semicolon


class _Semicolon(csv.excel):
    delimiter = ";"  # spreadsheets in French locales save CSV with semicolons


def _parse_rows(text: str, result: ImportResult, may_grant: set[str]) -> list[dict]:
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=_sniff_dialect(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not header:
        result.errors.append(_("The file is empty."))
        return []
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        result.errors.append(
            _(
                "Line 1: the columns must be exactly: %(cols)s. Missing: %(missing)s. Unknown: "
                "%(unknown)s.",
                cols=", ".join(COLUMNS),
                missing=", ".join(missing) or "-",
                unknown=", ".join(unknown) or "-",
            )
        )
        return []
    reader.fieldnames = header
    locales = current_app.config["CHARTE_LOCALES"]
    rows: list[dict] = []
    first_line_of: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if None in record or any(v is None for v in record.values()):
            result.errors.append(_("Line %(line)d: wrong number of fields.", line=line))
            continue
        values = {k: (v or "").strip() for k, v in record.items()}
        values.setdefault("manager_email", "")
        if not any(values.values()):
            continue  # blank lines are harmless
        row_errors: list[str] = []
        try:
            email = validate_email(values["email"], check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            email = ""
            row_errors.append(_("invalid email “%(v)s”", v=values["email"]))
        if email and email in first_line_of:
            row_errors.append(
                _(
                    "duplicate of line %(other)d (%(email)s)",
                    other=first_line_of[email],
                    email=email,
                )
            )
        elif email:
            first_line_of[email] = line
        if not values["full_name"]:
            row_errors.append(_("full_name is empty"))
        elif accounts.has_bidi_controls(values["full_name"]):
            row_errors.append(accounts.bidi_message())
        for column, limit in _TEXT_LIMITS.items():
            if len(values[column]) > limit:
                row_errors.append(_("%(col)s is longer than %(n)d characters", col=column, n=limit))
        start: date | None = None
        if values["start_date"]:
            try:
                start = parse_day(values["start_date"])
            except ValueError:
                row_errors.append(
                    _(
                        "bad date “%(v)s” (expected DD/MM/YYYY or YYYY-MM-DD)",
                        v=values["start_date"],
                    )
                )
        locale = values["locale"].lower() or current_app.config["CHARTE_DEFAULT_LOCALE"]
        if locale not in locales:
            row_errors.append(_("unknown locale “%(v)s” (fr or en)", v=values["locale"]))
        role = values["role"].lower() or Role.EMPLOYEE.value
        if role not in {r.value for r in Role}:
            row_errors.append(_("unknown role “%(v)s”", v=values["role"]))
        elif role not in may_grant:
            row_errors.append(_("only an administrator can give the role “%(v)s”", v=role))
        manager = ""
        if values["manager_email"]:
            try:
                manager = validate_email(
                    values["manager_email"], check_deliverability=False
                ).normalized.lower()
            except EmailNotValidError:
                row_errors.append(_("invalid manager email “%(v)s”", v=values["manager_email"]))
            if manager and manager == email:
                row_errors.append(_("a person cannot be their own manager"))
        if row_errors:
            result.errors.append(
                _("Line %(line)d: %(problems)s.", line=line, problems="; ".join(row_errors))
            )
            continue
        rows.append(
            {
                "email": email,
                "full_name": values["full_name"],
                "department": values["department"],
                "job_title": values["job_title"],
                "start_date": start,
                "locale": locale,
                "role": role,
                "manager_email": manager if "manager_email" in header else None,
            }
        )
    if not rows and not result.errors:
        result.errors.append(_("The file has a header but no employees."))
    return rows


def import_employees(raw: bytes, *, actor: User, client: ClientInfo) -> ImportResult:
    """Validate the whole file, then create and update employees in one transaction, or nothing."""
    result = ImportResult()
    if not raw.strip():
        result.errors.append(_("The file is empty."))
        return result
    try:
        text = _decode(raw)
    except ValueError as exc:
        result.errors.append(str(exc))
        return result
    may_grant = {r.value for r in Role} if actor.is_admin else {Role.EMPLOYEE.value}
    try:
        rows = _parse_rows(text, result, may_grant)
    except csv.Error as exc:
        result.errors.append(_("The file is not valid CSV: %(err)s", err=str(exc)))
        return result
    if result.errors:
        return result
    result.rows = len(rows)
    managers = {r["email"]: r.pop("manager_email") for r in rows}
    wanted = {m for m in managers.values() if m}
    known = set(_existing_by_email(sorted(wanted))) | {r["email"] for r in rows}
    for missing in sorted(wanted - known):
        result.errors.append(
            _("%(email)s: no one in the file or in Charte has this email (manager).", email=missing)
        )
    if result.errors:
        return result
    existing = _existing_by_email([r["email"] for r in rows])
    now = utcnow()
    to_create, to_update = [], []
    for row in rows:
        current = existing.get(row["email"])
        if current is None:
            to_create.append(
                {
                    **row,
                    "active": True,
                    "session_token": new_session_token(),
                    "created_at": now,
                    "updated_at": now,
                }
            )
            continue
        if current["role"] != row["role"] and not actor.is_admin:
            result.errors.append(
                _("%(email)s: only an administrator can change a role.", email=row["email"])
            )
        # Bulk updates skip the ORM's role listener: a role change moves the generation here
        # (every row sets the column: one executemany needs the same columns on each row).
        generation = current["generation"] + (current["role"] != row["role"])
        to_update.append(
            {"id": current["id"], **row, "updated_at": now, "privilege_generation": generation}
        )
    if result.errors:
        return result
    # Bulk statements: 10,000 rows go in a handful of round trips instead of one per person.
    if to_create:
        db.session.execute(insert(User), to_create)
    if to_update:
        db.session.execute(
            update(User), [{k: v for k, v in r.items() if k != "email"} for r in to_update]
        )
    result.created, result.updated = len(to_create), len(to_update)
    _set_managers({e: m for e, m in managers.items() if m is not None}, actor, client)
    audit.record(
        AuditAction.USERS_IMPORTED,
        actor=actor,
        target_type="import",
        details={
            "created": result.created,
            "updated": result.updated,
            "sha256": hashlib.sha256(raw).hexdigest(),
        },
        client=client,
    )
    db.session.commit()
    return result


def _set_managers(managers: dict[str, str], actor: User, client: ClientInfo) -> None:
    """Point each person at the manager the file names ("" clears); each change audited."""
    if not managers:
        return
    ids: dict[str, tuple[int, int | None]] = {}
    emails = sorted(set(managers) | {m for m in managers.values() if m})
    for start in range(0, len(emails), 900):
        chunk = emails[start : start + 900]
        for user_id, email, manager_id in db.session.execute(
            select(User.id, User.email, User.manager_id).where(User.email.in_(chunk))
        ):
            ids[email.lower()] = (user_id, manager_id)
    updates = []
    for email, manager in managers.items():
        person_id, old = ids[email]
        new = ids[manager][0] if manager else None
        if new != old:
            updates.append({"id": person_id, "manager_id": new})
            audit.record(
                AuditAction.USER_MANAGER_CHANGED,
                actor=actor,
                subject=db.session.get(User, person_id),
                target_type="user",
                target_id=person_id,
                details={"from": old, "to": new, "via": "import"},
                client=client,
            )
    if updates:
        db.session.execute(update(User), updates)


def _existing_by_email(emails: list[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for start in range(0, len(emails), 900):  # stay under SQLite's bound-parameter limit
        chunk = emails[start : start + 900]
        for user_id, email, role, generation in db.session.execute(
            select(User.id, User.email, User.role, User.privilege_generation).where(
                User.email.in_(chunk)
            )
        ):
            found[email.lower()] = {"id": user_id, "role": role, "generation": generation}
    return found
