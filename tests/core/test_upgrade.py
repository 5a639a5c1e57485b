"""Upgrading a database written by an earlier release, as a company running Charte would.

For each starting revision (the one before every evidence-table change), a fresh database is
migrated to that revision only, filled with the rows that release wrote (plain inserts against the
schema of that revision, MACs and audit hashes computed as the code of that time did: keyed from
SECRET_KEY, no key id), then upgraded with `flask db upgrade`, sealed with `flask audit
seal-existing` as the upgrade notes say, verified with `flask audit verify`, and crawled signed in
as an employee, HR and an administrator: no page may answer 500.

The old code cannot be imported (the modules moved), so the formulas and audit details below are
copied from the release of 2026-11-22, commit 1683967 (app/services/audit.py, acknowledgements.py,
consent.py, attachments.py, learning.py, publication.py, reminders.py, certificates.py there).
Each revision gets only the tables and columns it has: `OldRelease.has` decides what was written,
and MAC version 2 (salted personal digest) from 0009, as that code did. Not written here yet:
retention purges, API tokens, webhooks, sessions and step-up rows (non-evidence, or purge).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import io
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import MetaData, Table, inspect, text

from app.extensions import db
from app.learn.content import catalog
from app.models.user import hash_password
from tests.conftest import BACKEND, PASSWORD, Auth, _admin_url, _app_for

# Starting revision -> the change that follows it (the chain is in migrations/README).
STARTS = {
    "0003": "policy versions and acknowledgements (0004)",
    "0004": "consent (0005)",
    "0010": "certificates (0006)",
    "0006": "privacy: MAC version 2, scans, retention (0009)",
    "0012": "consent purpose receipt facts (e7c1a9d4b2f0)",
    "e7c1a9d4b2f0": "sealed retention and TRUNCATE triggers (5e7a0c2d9b14)",
    "5e7a0c2d9b14": "user sessions (5e55107a0017)",
    "5e55107a0017": "step-up signing (5e7d1c2b9a40)",
    "5e7d1c2b9a40": "privilege generation (b41e7d2c9a05)",
    "b41e7d2c9a05": "audit target index (a7e3c2f1b9d4)",
    "a7e3c2f1b9d4": "evidence seals and keys (e5a1c0de5ea1)",
    "0b5e7a11c0de": "publication reviews sealed (c3f0a9e1d7b2)",
}

HEAD = Path(__file__).resolve().parents[2] / "migrations" / "HEAD"
GENESIS_HASH = "0" * 64
T0 = datetime(2026, 3, 2, 8, 30, 12, 345678, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIR, QUIZZES_DIR = ROOT / "content", ROOT / "quizzes"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"


# ---- the formulas of the earlier release -------------------------------------------------------


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def old_key(secret_key: str, purpose: str) -> bytes:
    return hmac.new(secret_key.encode(), f"charte:{purpose}".encode(), hashlib.sha256).digest()


def old_mac(secret_key: str, purpose: str, fields: dict) -> str:
    payload = canonical_json(fields).encode()
    return hmac.new(old_key(secret_key, purpose), payload, hashlib.sha256).hexdigest()


def pii_digest(salt: str, ip: str | None, user_agent: str | None) -> str:
    payload = canonical_json({"ip": ip, "user_agent": user_agent})
    return hashlib.sha256(f"{salt}:{payload}".encode()).hexdigest()


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_code() -> str:
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(20))


@functools.cache
def content_catalog() -> catalog.Catalog:
    """The modules and quizzes (the content files did not change with the schema)."""
    return catalog.load(CONTENT_DIR, QUIZZES_DIR)


# ---- writing as the old release did -------------------------------------------------------------


@dataclass
class OldRelease:
    """Inserts rows with the schema found in the database (the starting revision's)."""

    secret_key: str
    metadata: MetaData = field(default_factory=MetaData)
    clock: datetime = T0
    head: tuple[int, str] = (0, GENESIS_HASH)  # seq and hash of the last entry written
    snapshots: dict[str, bool] = field(default_factory=dict)
    completed: tuple[str, int, str, int] = ("", 0, "", 0)
    titles: tuple[str, str] = ("", "")

    def __post_init__(self) -> None:
        self.metadata.reflect(bind=db.engine)
        self.sqlite = db.engine.dialect.name == "sqlite"

    def has(self, table: str, column: str | None = None) -> bool:
        found = self.metadata.tables.get(table)
        return found is not None and (column is None or column in found.columns)

    def tick(self, minutes: int = 7) -> datetime:
        self.clock += timedelta(minutes=minutes, microseconds=1013)
        return self.clock

    def _value(self, value: Any) -> Any:
        # The models' UTCDateTime stores naive UTC on SQLite and aware UTC on PostgreSQL.
        if isinstance(value, datetime) and self.sqlite:
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    def insert(self, table_name: str, **values: Any) -> int:
        table: Table = self.metadata.tables[table_name]
        row = {k: self._value(v) for k, v in values.items() if k in table.columns}
        missing = [
            c.name
            for c in table.columns
            if not c.nullable
            and c.server_default is None
            and not c.primary_key
            and c.name not in row
        ]
        assert not missing, f"fixture for {table_name} lacks required columns {missing}"
        if "id" not in table.columns:  # quiz_snapshot: keyed by its content hash
            db.session.execute(table.insert().values(**row))
            return 0
        result = db.session.execute(table.insert().values(**row).returning(table.c.id))
        return int(result.scalar_one())

    def audit(
        self,
        action: str,
        *,
        actor: int | None,
        subject: int | None = None,
        target_type: str = "",
        target_id: Any = "",
        details: dict | None = None,
        ip: str | None = "192.0.2.10",
        user_agent: str | None = BROWSER,
        at: datetime | None = None,
    ) -> int:
        seq, prev = self.head[0] + 1, self.head[1]
        created = at or self.tick(1)
        salt = secrets.token_hex(16)
        digest = pii_digest(salt, ip, user_agent)
        details_json = canonical_json(details or {})
        payload = {
            "seq": seq,
            "created_at": created.isoformat(),
            "actor_id": actor,
            "subject_id": subject,
            "action": action,
            "target_type": target_type,
            "target_id": str(target_id),
            "details": details_json,
            "pii_digest": digest,
            "prev_hash": prev,
        }
        entry = old_mac(self.secret_key, "audit-chain", payload)
        row_id = self.insert(
            "audit_event",
            seq=seq,
            created_at=created,
            actor_id=actor,
            subject_id=subject,
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            details=details_json,
            ip=ip,
            user_agent=user_agent,
            pii_salt=salt,
            pii_digest=digest,
            prev_hash=prev,
            hash=entry,
        )
        self.head = (seq, entry)
        return row_id

    # -- what people did ---------------------------------------------------------------------

    def user(self, email: str, name: str, role: str, department: str, actor: int | None) -> int:
        now = self.tick()
        user_id = self.insert(
            "user",
            email=email,
            full_name=name,
            department=department,
            job_title="Chargée de mission" if role == "employee" else "Manager",
            start_date=date(2025, 9, 1),
            locale="fr" if role == "employee" else "en",
            role=role,
            active=True,
            password_hash=hash_password(PASSWORD),
            session_token=secrets.token_hex(16),
            created_at=now,
            updated_at=now,
        )
        self.audit(
            "user.created",
            actor=actor,
            subject=user_id,
            target_type="user",
            target_id=user_id,
            details={"role": role, "department": department},
        )
        return user_id

    def sign_in(self, user_id: int) -> None:
        self.audit(
            "auth.signed_in",
            actor=user_id,
            subject=user_id,
            target_type="user",
            target_id=user_id,
            details={"method": "password"},
        )

    def publish_policy(self, admin: int) -> tuple[int, dict[str, str]]:
        published = self.tick()
        version_id = self.insert(
            "policy_version",
            version=1,
            effective_date=date(2026, 3, 9),
            published_at=published,
            published_by_id=admin,
        )
        digests = {}
        for locale, title, body in (
            ("en", "Social media policy", "Speak for yourself, not for the company."),
            (
                "fr",
                "Charte des réseaux sociaux",
                "Parlez en votre nom, pas en celui de l'entreprise.",
            ),
        ):
            html = f"<h2>{title}</h2>\n<p>{body}</p>\n"
            digests[locale] = hashlib.sha256(html.encode("utf-8")).hexdigest()
            self.insert(
                "policy_text",
                policy_version_id=version_id,
                locale=locale,
                title=title,
                changes="First version." if locale == "en" else "Première version.",
                markdown=f"## {title}\n\n{body}\n",
                html=html,
                sha256=digests[locale],
            )
        self.audit(
            "policy.published",
            actor=admin,
            target_type="policy_version",
            target_id=1,
            details={"version": 1, "sha256": digests},
        )
        return version_id, digests

    def sign_policy(self, user_id: int, name: str, version_id: int, sha256: str) -> str:
        """Returns "<code> <row id>"."""
        signed = self.tick()
        ip, user_agent, code = "192.0.2.44", BROWSER, new_code()
        statement = (
            "J'ai lu la charte des réseaux sociaux (version 1) et je m'engage à la respecter."
        )
        fields = {
            "user_id": user_id,
            "policy_version_id": version_id,
            "policy_version": 1,
            "locale": "fr",
            "text_sha256": sha256,
            "statement": statement,
            "signed_at": stamp(signed),
            "auth_method": "password",
            "code": code,
        }
        extra: dict[str, Any] = {}
        if self.has("acknowledgement", "mac_version"):  # 0009 and later: MAC version 2
            salt = secrets.token_hex(16)
            personal = canonical_json({"ip": ip, "user_agent": user_agent, "typed_name": name})
            digest = hashlib.sha256(f"{salt}:{personal}".encode()).hexdigest()
            fields |= {
                "mac_version": 2,
                "pii_digest": digest,
                "on_behalf": False,
                "recorded_by_id": None,
                "paper_reference": None,
                "attachment_id": None,
            }
            extra = {"mac_version": 2, "pii_salt": salt, "pii_digest": digest, "on_behalf": False}
        else:
            fields |= {"ip": ip, "user_agent": user_agent, "typed_name": name}
        mac = old_mac(self.secret_key, "acknowledgement", fields)
        ack_id = self.insert(
            "acknowledgement",
            user_id=user_id,
            policy_version_id=version_id,
            locale="fr",
            text_sha256=sha256,
            statement=statement,
            typed_name=name,
            signed_at=signed,
            ip=ip,
            user_agent=user_agent,
            auth_method="password",
            code=code,
            mac=mac,
            **extra,
        )
        self.audit(
            "policy.signed",
            actor=user_id,
            subject=user_id,
            target_type="acknowledgement",
            target_id=ack_id,
            details={"version": 1, "locale": "fr", "text_sha256": sha256, "code": code, "mac": mac},
            ip=ip,
            at=self.tick(0),
        )
        return f"{code} {ack_id}"

    def import_consent_texts(self, admin: int) -> tuple[int, int, str]:
        now = self.tick()
        purpose_id = self.insert(
            "consent_purpose",
            slug="company-website",
            order=1,
            media="photo,video",
            default_duration_months=24,
            active=True,
            created_at=now,
            updated_at=now,
        )
        markdown = "# Company website\n\nMay we show your photo on our website?\n"
        sha256 = hashlib.sha256(markdown.encode()).hexdigest()  # already in canonical form
        text_id = self.insert(
            "consent_text",
            purpose_id=purpose_id,
            version=1,
            locale="fr",
            title="Site de l'entreprise",
            markdown=markdown,
            sha256=sha256,
            imported_at=now,
        )
        self.audit(
            "consent.texts_imported",
            actor=admin,
            target_type="consent_purpose",
            details={"purposes": 1, "texts": 1},
        )
        return purpose_id, text_id, sha256

    def scan(self, user_id: int, hr: int, at: datetime) -> tuple[int, str]:
        """HR's scan of a paper form (0009): a small PNG, MAC keyed from SECRET_KEY."""
        picture = io.BytesIO()
        Image.new("L", (40, 56), 255).save(picture, format="PNG")
        data = picture.getvalue()
        fields = {
            "user_id": user_id,
            "uploaded_by_id": hr,
            "uploaded_at": at.astimezone(UTC).isoformat(),
            "filename": "consent-form-olivier.png",
            "content_type": "image/png",
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        row_id = self.insert(
            "evidence_attachment",
            **fields | {"uploaded_at": at},
            mac=old_mac(self.secret_key, "attachment", fields),
            data=data,
        )
        return row_id, fields["sha256"]

    def consent(
        self,
        user_id: int,
        purpose_id: int,
        text_id: int,
        sha256: str,
        decision: str,
        medium: str = "photo",
        by: int | None = None,
    ) -> str:
        """A decision as the consent form recorded it; `by` HR: a paper form, with its scan."""
        recorded = self.tick()
        ip, user_agent, code = "192.0.2.45", BROWSER, new_code()
        by = by or user_id
        on_behalf = by != user_id
        reference = "Paper form signed at the spring photo day" if on_behalf else None
        attachment_id, scan_sha256 = None, None
        if on_behalf and self.has("evidence_attachment"):
            attachment_id, scan_sha256 = self.scan(user_id, by, recorded)
        until = date(2028, 3, 1) if decision == "granted" else None
        fields = {
            "code": code,
            "user_id": user_id,
            "purpose_id": purpose_id,
            "medium": medium,
            "decision": decision,
            "text_id": text_id,
            "text_version": 1,
            "text_locale": "fr",
            "text_sha256": sha256,
            "valid_from": recorded.date().isoformat(),
            "valid_until": until.isoformat() if until else None,
            "recorded_at": recorded.astimezone(UTC).isoformat(),
            "recorded_by_id": by,
            "on_behalf": on_behalf,
            "paper_reference": reference,
        }
        extra: dict[str, Any] = {}
        if self.has("consent_event", "mac_version"):
            salt = secrets.token_hex(16)
            digest = pii_digest(salt, ip, user_agent)
            fields |= {"mac_version": 2, "pii_digest": digest, "attachment_id": attachment_id}
            extra = {
                "mac_version": 2,
                "pii_salt": salt,
                "pii_digest": digest,
                "attachment_id": attachment_id,
            }
        else:
            fields |= {"ip": ip, "user_agent": user_agent}
        mac = old_mac(self.secret_key, "consent", fields)
        event_id = self.insert(
            "consent_event",
            user_id=user_id,
            purpose_id=purpose_id,
            medium=medium,
            decision=decision,
            text_id=text_id,
            text_version=1,
            text_locale="fr",
            text_sha256=sha256,
            valid_from=recorded.date(),
            valid_until=until,
            recorded_at=recorded,
            ip=ip,
            user_agent=user_agent,
            recorded_by_id=by,
            on_behalf=on_behalf,
            paper_reference=reference,
            code=code,
            mac=mac,
            **extra,
        )
        self.audit(
            f"consent.{decision}",
            actor=by,
            subject=user_id,
            target_type="consent_event",
            target_id=event_id,
            details={
                "purpose": "company-website",
                "medium": medium,
                "valid_until": until.isoformat() if until else None,
                "text_version": 1,
                "text_sha256": sha256,
                "on_behalf": False,
                "paper_reference": None,
                "attachment_sha256": None,
                "mac": mac,
            },
            ip=ip,
            at=self.tick(0),
        )
        return f"{code} {event_id}"

    def complete_module(self, user_id: int, name: str, slug: str) -> str | None:
        """Read every step, pass the quiz (one answer wrong), complete: as the player did; from
        0006 the completion issued the module's certificate ("<code> <id>" returned)."""
        module = content_catalog().get(slug)
        assert module is not None, slug
        quiz, started = module.quiz, self.tick()
        if not self.snapshots.get(quiz.content_hash):
            self.insert(
                "quiz_snapshot",
                content_hash=quiz.content_hash,
                module_slug=slug,
                material_version=module.material_version,
                definition=quiz.definition,
                created_at=started,
            )
            self.snapshots[quiz.content_hash] = True
        questions = quiz.definition["questions"]
        self.insert(
            "module_progress",
            user_id=user_id,
            module_slug=slug,
            content_hash=module.content_hash,
            material_version=module.material_version,
            current_step=module.step_count,
            steps_seen=list(range(1, module.step_count + 1)),
            started_at=started,
            updated_at=started,
            steps_completed_at=started,
        )
        answers = {q["id"]: sorted(q["correct"]) for q in questions}
        answers[questions[0]["id"]] = sorted(
            c["id"] for c in questions[0]["choices"] if c["id"] not in questions[0]["correct"]
        )[:1]
        score = len(questions) - 1
        percent = round(100 * score / len(questions))
        submitted = self.tick(4)
        attempt_id = self.insert(
            "quiz_attempt",
            token=secrets.token_urlsafe(32),
            user_id=user_id,
            module_slug=slug,
            quiz_hash=quiz.content_hash,
            material_version=module.material_version,
            question_order=[q["id"] for q in questions],
            choice_order={q["id"]: [c["id"] for c in q["choices"]] for q in questions},
            answers=answers,
            score=float(score),
            max_score=len(questions),
            percent=percent,
            passed=percent >= quiz.pass_mark,
            started_at=started,
            submitted_at=submitted,
        )
        self.audit(
            "quiz.submitted",
            actor=user_id,
            subject=user_id,
            target_type="quiz_attempt",
            target_id=attempt_id,
            details={
                "module": slug,
                "quiz_hash": quiz.content_hash,
                "material_version": module.material_version,
                "score": score,
                "max_score": len(questions),
                "percent": percent,
                "passed": percent >= quiz.pass_mark,
            },
            at=submitted,
        )
        completion_id = self.insert(
            "module_completion",
            user_id=user_id,
            module_slug=slug,
            material_version=module.material_version,
            content_hash=module.content_hash,
            score=percent,
            attempt_id=attempt_id,
            completed_at=submitted,
        )
        self.audit(
            "module.completed",
            actor=user_id,
            subject=user_id,
            target_type="module_completion",
            target_id=completion_id,
            details={
                "module": slug,
                "material_version": module.material_version,
                "content_hash": module.content_hash,
                "score": percent,
                "attempt_id": attempt_id,
            },
            at=self.tick(0),
        )
        self.completed = (slug, module.material_version, module.content_hash, percent)
        self.titles = (module.text("fr").title, module.text("en").title)
        return self.certificate(user_id, name) if self.has("certificate") else None

    def assign_and_remind(self, hr: int, user_id: int, department: str) -> None:
        """HR assigns a module to a department (0007), then reminds one late person by email."""
        due = date(2026, 3, 20)
        assignment_id = self.insert(
            "assignment",
            module_slug="respect-and-consequences",
            department=department,
            due_on=due,
            created_at=self.tick(),
            created_by_id=hr,
        )
        self.audit(
            "assignment.created",
            actor=hr,
            target_type="assignment",
            target_id=assignment_id,
            details={
                "module": "respect-and-consequences",
                "department": department,
                "people": [],
                "due_on": due.isoformat(),
            },
        )
        sent = self.tick(60 * 24 * 20)  # three weeks later, after the due date
        items = [
            {"key": "module:respect-and-consequences", "due_on": due.isoformat(), "overdue": True}
        ]
        reminder_id = self.insert(
            "reminder_sent",
            user_id=user_id,
            claim=sent.date().isoformat(),
            sent_at=sent,
            items=items,
            sent_by_id=hr,
            channel="email",
        )
        self.audit(
            "reminder.sent",
            actor=hr,
            subject=user_id,
            target_type="reminder_sent",
            target_id=reminder_id,
            details={"items": items},
            at=self.tick(0),
        )

    def publication_check(self, hr: int, purpose_id: int, people: dict[int, int]) -> int:
        """HR checks, before publishing a photo, that these people (id -> their decision's
        event id) allow it; the answers are kept as evidence."""
        checked = self.tick()
        reference = "Website team page, spring 2026"
        check_id = self.insert(
            "publication_check",
            purpose_id=purpose_id,
            medium="photo",
            reference=reference,
            checked_by_id=hr,
            checked_at=checked,
        )
        answers = []
        for user_id, event_id in people.items():
            self.insert(
                "publication_check_person",
                check_id=check_id,
                user_id=user_id,
                allowed=True,
                state="granted",
                valid_until=date(2028, 3, 1),
                consent_event_id=event_id,
            )
            answers.append({"user_id": user_id, "allowed": True, "state": "granted"})
        self.audit(
            "consent.publication_check",
            actor=hr,
            target_type="publication_check",
            target_id=check_id,
            details={
                "purpose": "company-website",
                "medium": "photo",
                "reference": reference,
                "answers": answers,
            },
            at=self.tick(0),
        )
        return check_id

    def certificate(self, user_id: int, name: str) -> str:
        issued, code = self.tick(), new_code()
        slug, material, content, score = self.completed
        certificate_id = self.insert(
            "certificate",
            kind="module",
            user_id=user_id,
            issue_key=f"module:{slug}:{material}",
            module_slug=slug,
            material_version=material,
            content_version=content,
            title_fr=self.titles[0],
            title_en=self.titles[1],
            score=score,
            holder_name=name,
            issued_at=issued,
            code=code,
        )
        self.audit(
            "certificate.issued",
            actor=user_id,
            subject=user_id,
            target_type="certificate",
            target_id=certificate_id,
            details={
                "kind": "module",
                "module": slug,
                "material_version": material,
                "content_version": content,
                "score": score,
                "code": code,
            },
            ip=None,
            user_agent=None,
        )
        return f"{code} {certificate_id}"


@dataclass
class Written:
    codes: dict[str, str] = field(default_factory=dict)  # kind -> public verification code
    ids: dict[str, int] = field(default_factory=dict)  # what -> row id, for the detail pages


def write_old_release(old: OldRelease) -> Written:
    """A small company's first weeks on that release: staff, a policy, consents, a certificate."""
    written = Written()

    def keep(kind: str, code_and_id: str) -> None:
        code, row_id = code_and_id.split()
        written.codes[kind], written.ids[kind] = code, int(row_id)

    admin = old.user("admin@example.com", "Ada Admin", "admin", "Direction", actor=None)
    old.sign_in(admin)
    hr = old.user("hr@example.com", "Hugo Humain", "hr", "RH", actor=admin)
    employee = old.user("employee@example.com", "Élodie Employée", "employee", "Marketing", admin)
    other = old.user("other@example.com", "Olivier Autre", "employee", "Ventes", actor=hr)
    written.ids |= {"employee": employee, "other": other}
    issued = old.complete_module(employee, "Élodie Employée", "official-accounts")
    if issued:
        keep("certificate", issued)
    old.complete_module(other, "Olivier Autre", "why-a-policy")
    if old.has("policy_version"):
        version_id, digests = old.publish_policy(admin)
        old.sign_in(employee)
        keep(
            "acknowledgement",
            old.sign_policy(employee, "Élodie Employée", version_id, digests["fr"]),
        )
        old.sign_policy(other, "Olivier Autre", version_id, digests["fr"])
    if old.has("reminder_sent"):
        old.assign_and_remind(hr, employee, "Marketing")
    if old.has("consent_event"):
        purpose_id, text_id, sha256 = old.import_consent_texts(admin)
        keep("consent", old.consent(employee, purpose_id, text_id, sha256, "granted"))
        granted_other = old.consent(other, purpose_id, text_id, sha256, "granted")
        people = {employee: written.ids["consent"], other: int(granted_other.split()[1])}
        written.ids["check"] = old.publication_check(hr, purpose_id, people)
        # Withdrawn after the check: HR's reviews page lists the photo to take down.
        keep("consent_revoked", old.consent(other, purpose_id, text_id, sha256, "revoked"))
        written.ids["scans"] = int(old.has("evidence_attachment"))
        # Video: HR records the paper form Olivier signed (with its scan from 0009).
        keep(
            "consent_paper", old.consent(other, purpose_id, text_id, sha256, "granted", "video", hr)
        )
    db.session.commit()
    return written


# ---- the test ----------------------------------------------------------------------------------


@pytest.fixture
def fresh_database(tmp_path):
    """An empty database of the backend under test (not the suite's migrated template)."""
    if BACKEND == "postgresql":
        import uuid

        import psycopg

        name = f"charte_upgrade_{uuid.uuid4().hex[:12]}"
        admin_url = _admin_url()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        yield admin_url.rsplit("/", 1)[0] + "/" + name
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    else:
        yield f"sqlite:///{tmp_path / 'charte.db'}"


def run(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, (
        f"flask {' '.join(args)} failed:\n{result.output}{result.exception!r}"
    )
    return result.output


# Never requested: they leave for the identity provider (no network in tests) or serve files.
NOT_CRAWLED = {"sso.start", "sso.callback", "static", "learn.image"}
# Where each role must be answered 200 or 302 (elsewhere a refusal is fine, a 500 never).
# Pages: exact paths; prefixes end with "/" (the employee's receipts are hers alone).
OWN_PAGES = {
    "employee@example.com": ("/", "/me", "/me/", "/policy", "/policy/", "/verify", "/verify/"),
    "hr@example.com": ("/", "/me", "/me/certificates", "/me/image", "/hr", "/hr/"),
    "admin@example.com": ("/", "/me", "/admin/"),
}


def is_own(url: str, own: tuple[str, ...]) -> bool:
    return any(url == p or (p.endswith("/") and p != "/" and url.startswith(p)) for p in own)


def pages(app: Flask, written: Written) -> list[str]:
    """Every page without parameters, and the detail pages of the rows the old release wrote."""
    found = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.endpoint not in NOT_CRAWLED
    )
    ids, codes = written.ids, written.codes
    found += [f"/hr/employees/{ids['employee']}", f"/hr/consent/people/{ids['other']}"]
    if "acknowledgement" in ids:
        ack = ids["acknowledgement"]
        found += [
            "/admin/policy/1/preview",
            f"/policy/acknowledgements/{ack}",
            f"/policy/acknowledgements/{ack}/text",
            f"/policy/receipts/{ack}.json",
            f"/policy/receipts/{ack}.pdf",
        ]
    if "consent" in ids:
        found += [
            f"/me/image/receipts/{ids['consent']}.json",
            f"/me/image/receipts/{ids['consent']}.pdf",
            f"/image-consent/verify/{codes['consent']}",
            f"/image-consent/verify/{codes['consent_revoked']}",
            f"/hr/consent/checks/{ids['check']}",
        ]
    if "certificate" in ids:
        cert = ids["certificate"]
        found += [
            f"/hr/certificates/{cert}",
            f"/hr/certificates/{cert}.json",
            f"/hr/certificates/{cert}.pdf",
            f"/me/certificates/{cert}.json",
            f"/me/certificates/{cert}.pdf",
        ]
    return found


def assert_genuine(kind: str, page: str) -> None:
    """What the public verification page says of a record the old release wrote."""
    assert "No document matches this code." not in page, f"old {kind} unknown after upgrade"
    if kind in ("acknowledgement", "certificate"):
        assert "This document is genuine." in page, f"old {kind} not shown as genuine"


def crawl(app: Flask, email: str, urls: list[str]) -> dict[str, int]:
    client = app.test_client()
    response = Auth(client).login(email)
    assert response.status_code == 302, (
        f"{email} could not sign in after the upgrade: {response.get_data(as_text=True)[:3000]}"
    )
    return {url: client.get(url).status_code for url in urls}


@pytest.mark.parametrize("start", list(STARTS), ids=[f"from-{r}" for r in STARTS])
def test_upgrade_from_earlier_revision(start, fresh_database, tmp_path):
    app = _app_for(fresh_database)
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        run(app, "db", "upgrade", start)
        old = OldRelease(secret_key=app.config["SECRET_KEY"])
        written = write_old_release(old)
        db.session.remove()
        assert inspect(db.engine).get_table_names()  # the old schema is there

        run(app, "db", "upgrade")
        at = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert at == HEAD.read_text().strip()
        db.session.remove()
        run(app, "audit", "seal-existing")
        # The earlier release wrote no witness: the first one starts at the upgraded head.
        run(app, "audit", "witness")
        report = run(app, "audit", "verify")
        assert report.startswith("OK:"), report
        assert "2 quiz attempts, 2 module completions" in report, report
        scans = "1 attachments" if written.ids.get("scans") else "0 attachments"
        assert scans in report, report
        for kind, count in (
            ("acknowledgement", "2 acknowledgements"),
            ("consent", "4 consent events, 1 publication checks, 2 publication check answers"),
            ("certificate", "2 certificates"),
        ):
            assert (count in report) == (kind in written.codes), report

        db.session.remove()
        db.engine.dispose()

    # Outside the app context: each request gets its own (g holds the CSRF token of a session).
    public = app.test_client()
    for kind, code in written.codes.items():
        response = public.get(f"/verify/{code}")
        assert response.status_code == 200, f"/verify of an old {kind}: {response.status_code}"
        assert_genuine(kind, response.get_data(as_text=True))

    urls = pages(app, written)
    failures = {}
    for email, own in OWN_PAGES.items():
        for url, status in crawl(app, email, urls).items():
            if status >= 500 or (is_own(url, own) and status not in (200, 302)):
                failures[f"{email} {url}"] = status
    assert not failures, f"pages failing after the upgrade from {start}: {failures}"
    with app.app_context():
        # The sign-ins appended entries under the evidence key after the legacy ones.
        assert run(app, "audit", "verify").startswith("OK:")
        db.engine.dispose()


def test_secret_key_replaced_at_upgrade_needs_the_old_one_for_earlier_evidence(
    fresh_database, tmp_path
):
    """A weak SECRET_KEY refused by production is replaced at upgrade: everything written before
    evidence keys verifies with EVIDENCE_LEGACY_SECRET_KEY (the old one), and only with it."""
    old_secret = "changeme-2024"  # what a company may have run with (too weak for production)
    new_secret = secrets.token_urlsafe(32)
    instance = str(tmp_path / "instance")
    before = _app_for(fresh_database, SECRET_KEY=old_secret)
    before.instance_path = instance
    with before.app_context():
        run(before, "db", "upgrade", "a7e3c2f1b9d4")
        written = write_old_release(OldRelease(secret_key=old_secret))
        db.session.remove()
        db.engine.dispose()

    replaced = _app_for(fresh_database, SECRET_KEY=new_secret)
    replaced.instance_path = instance
    with replaced.app_context():
        run(replaced, "db", "upgrade")
        result = replaced.test_cli_runner().invoke(args=["audit", "verify"])
        assert result.exit_code == 1
        assert "audit entry seq=1" in result.output and "content altered" in result.output
        db.session.remove()
        db.engine.dispose()

    upgraded = _app_for(
        fresh_database, SECRET_KEY=new_secret, EVIDENCE_LEGACY_SECRET_KEY=old_secret
    )
    upgraded.instance_path = instance
    with upgraded.app_context():
        run(upgraded, "audit", "seal-existing")
        run(upgraded, "audit", "witness")
        report = run(upgraded, "audit", "verify")
        assert report.startswith("OK:") and "2 acknowledgements" in report, report
        db.session.remove()
        db.engine.dispose()
    # Old receipts still check out on the public page.
    response = upgraded.test_client().get(f"/verify/{written.codes['acknowledgement']}")
    assert response.status_code == 200
    assert_genuine("acknowledgement", response.get_data(as_text=True))
    with upgraded.app_context():
        db.engine.dispose()
