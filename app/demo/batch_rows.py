"""One batch of generated employees as rows ready to write: history, seals, audit entries.

Pure computation (no database access), so that worker processes can do it while the generator
writes the batch before (app/demo/workers.py). In two steps, because sealed rows and audit entries
name ids that the database hands out: `draft` generates the people's history and says how many
rows of each kind it holds; `finish` receives that many ids, seals what names them, prepares the
audit entries up to their place in the chain (app.core.audit.hash_parts) and encodes every row.
The generator then chains the entries (seq, prev_hash, hash) and writes it all in one transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from json.encoder import encode_basestring as _json_string
from random import Random
from types import SimpleNamespace
from typing import Any

from app.consent import evidence as consent_evidence
from app.consent.decisions import DECISION_ACTIONS
from app.core import audit
from app.core.audit_actions import AuditAction
from app.demo.bulk_writes import NULL, Encoded, Encoder, copy_text, copy_timestamp, join_lines
from app.demo.history import USER_AGENT, attempt_row, consent_rows, learning_plan, person
from app.evidence import seals
from app.learn import evidence as learn_evidence
from app.models.acknowledgement import Acknowledgement
from app.models.audit import AuditEvent
from app.models.consent import ConsentEvent
from app.models.learning import ModuleCompletion, ModuleProgress, QuizAttempt
from app.models.user import Role, User
from app.policy import evidence as policy_evidence
from app.policy import signing

IP = "10.20.0.1"
# Row kinds that need ids before `finish`, in the order they are written.
ID_KINDS: dict[str, Any] = {
    "attempts": QuizAttempt,
    "completions": ModuleCompletion,
    "acks": Acknowledgement,
    "events": ConsentEvent,
}
# Audit columns the chain fills in when the batch is written.
CHAIN_COLUMNS = ("seq", "prev_hash", "hash")
AUDIT_COLUMNS = (
    "created_at",
    "actor_id",
    "subject_id",
    "action",
    "target_type",
    "target_id",
    "details",
    "ip",
    "user_agent",
    "pii_salt",
    "pii_digest",
    "key_id",
)
SEAL_COLUMNS = ("key_id", "mac", "mac_version", "pii_salt", "pii_digest", "identity_digest")


@dataclass
class Draft:
    """A batch's history before its rows have ids."""

    users: list[dict[str, Any]]
    user_ids: list[int]
    people: list[tuple[Any, int]]  # (Person, user id) of those with an account they use
    attempts: list[dict[str, Any]] = field(default_factory=list)
    plans: list[tuple[int, Any, int]] = field(default_factory=list)  # (user id, module, attempt)
    acks: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many ids of each kind `finish` needs."""
        return {
            "attempts": len(self.attempts),
            "completions": len(self.plans),
            "acks": len(self.acks),
            "events": len(self.events),
        }


@dataclass
class Finished:
    """A batch ready to write: encoded tables in order, then audit entries to chain."""

    tables: list[Encoded]
    # Per entry, in chain order: (hash_parts, the row's other columns encoded).
    entries: list[tuple[tuple[str, str], Any]]
    key_id: str  # the evidence key the entries are hashed with
    last_at: datetime | None  # the time of the last entry (the chain head after the batch)


def draft(ctx: SimpleNamespace, indexes: list[int], user_ids: list[int]) -> Draft:
    """Generate the people `indexes` (with these user ids) and their history, sealed where the
    seal names no generated id."""
    today = ctx.now.date()
    people = [person(i, Random(ctx.seed * 1_000_003 + i), today) for i in indexes]
    users = [_user_row(p, uid, ctx) for p, uid in zip(people, user_ids, strict=True)]
    batch = Draft(users, user_ids, list(zip(people, user_ids, strict=True)))
    for p, uid in batch.people:
        if p.has_password:
            _history(batch, p, uid, ctx)
    for row in batch.attempts:
        _seal(learn_evidence.ATTEMPTS, row)
    return batch


def _user_row(p: Any, uid: int, ctx: SimpleNamespace) -> dict[str, Any]:
    return {
        "id": uid,
        "email": p.email,
        "full_name": p.full_name,
        "department": p.department,
        "job_title": p.job_title,
        "start_date": p.start_date,
        "locale": p.locale,
        "role": Role.EMPLOYEE.value,
        "active": p.active,
        "password_hash": ctx.password if p.has_password else None,
        "session_token": secrets.token_urlsafe(16),
        "created_at": p.created_at,
        "updated_at": p.created_at,
        "deactivated_at": None if p.active else ctx.now - timedelta(days=3),
    }


def _history(batch: Draft, p: Any, uid: int, ctx: SimpleNamespace) -> None:
    rng = Random(ctx.seed * 7_919 + p.index)
    at = p.created_at + timedelta(days=7, hours=1)
    skill = 0.8 + rng.random() * 0.3
    done = set()
    for module in learning_plan(ctx.modules, rng, at, ctx.now):
        at += timedelta(days=rng.randint(0, 3), minutes=rng.randint(5, 120))
        at = min(at, ctx.now - timedelta(minutes=5))
        tries = [attempt_row(uid, module, rng, at, skill)]
        while not tries[-1]["passed"]:
            at += timedelta(minutes=10)
            tries.append(attempt_row(uid, module, rng, at, skill + 0.3 * len(tries)))
        batch.attempts.extend(tries)
        batch.plans.append((uid, module, len(batch.attempts) - 1))
        done.add(module.slug)
    if ctx.version and ctx.required <= done and rng.random() < 0.85:
        signed = min(at + timedelta(hours=rng.randint(1, 48)), ctx.now - timedelta(minutes=1))
        batch.acks.append(_ack(uid, p, signed, ctx))
    today = ctx.now.date()
    for event in consent_rows(uid, ctx.purposes, ctx.texts[p.locale], rng, p.start_date, today):
        event.update(holder_name=p.full_name, holder_email=p.email)
        _seal(consent_evidence.EVENTS, event)
        batch.events.append(event)


def _ack(uid: int, p: Any, signed: Any, ctx: SimpleNamespace) -> dict[str, Any]:
    text = ctx.version_texts.get(p.locale) or next(iter(ctx.version_texts.values()))
    row = {
        "user_id": uid,
        "policy_version_id": ctx.version.id,
        "locale": text.locale,
        "text_sha256": text.sha256,
        "statement": ctx.statements[text.locale],
        "typed_name": p.full_name,
        "signed_at": signed,
        "ip": IP,
        "user_agent": USER_AGENT,
        "auth_method": "password",
        "code": signing.codes.new_code(),
        "signer_name": p.full_name,
        "signer_email": p.email,
    }
    _seal(policy_evidence.ACKNOWLEDGEMENTS, row)
    return row


def _seal(spec: seals.SealSpec, row: dict[str, Any]) -> None:
    """Seal a generated evidence row as the services do (app.evidence.seals)."""
    if spec.uses_mac_version:
        for name, value in {
            "on_behalf": False,
            "recorded_by_id": None,
            "paper_reference": None,
            "attachment_id": None,
        }.items():
            row.setdefault(name, value)
    sealed = SimpleNamespace(**row)
    seals.seal(spec, sealed)
    row.update({name: getattr(sealed, name) for name in SEAL_COLUMNS if hasattr(sealed, name)})


def _named(table: str, row_id: int, row: dict[str, Any]) -> dict[str, Any]:
    return {"sealed": {table: {str(row_id): row["mac"]}}}


class _Entries:
    """The batch's audit entries, gathered in any order, prepared in time order."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def add(self, action, at, user_id, target_type, target_id, details, actor=True) -> None:
        """Queue one entry about user_id; the actor is the person unless actor=False (system)."""
        actor_id = user_id if actor else None
        self.rows.append((at, str(action), actor_id, user_id, target_type, str(target_id), details))

    def prepare(self, key_id: str, encoder: Encoder) -> list[tuple[tuple[str, str], Any]]:
        """Each entry's hash parts and encoded row, in time order.

        Written out field by field rather than through audit.hash_parts and encoder.line (a
        third of a batch's work went to their generic dicts and encoders); the first entry of
        every batch is also prepared the generic way and must come out the same, so the two
        cannot drift apart unnoticed (`flask audit verify` would catch it later, this at once)."""
        prepared = []
        rows = sorted(self.rows, key=lambda r: r[0])
        key_json = _json_string(key_id)
        fixed = _copy_fields(encoder, IP, USER_AGENT)
        for at, action, actor_id, subject_id, target_type, target_id, details in rows:
            salt = secrets.token_hex(16)
            details_json = audit.canonical_json(details)
            pii = audit.pii_digest(salt, IP, USER_AGENT)
            created = at.isoformat()
            actor = "null" if actor_id is None else str(actor_id)
            subject = "null" if subject_id is None else str(subject_id)
            parts = (
                f'{{"action":{_json_string(action)},"actor_id":{actor},"created_at":"{created}",'
                f'"details":{_json_string(details_json)},"key_id":{key_json},"pii_digest":"{pii}",',
                f',"subject_id":{subject},"target_id":{_json_string(target_id)},'
                f'"target_type":{_json_string(target_type)}}}',
            )
            if encoder.postgres:
                line: Any = "\t".join(
                    (
                        copy_timestamp(at),
                        NULL if actor_id is None else actor,
                        NULL if subject_id is None else subject,
                        copy_text(action),
                        copy_text(target_type),
                        copy_text(target_id),
                        copy_text(details_json),
                        fixed,
                        salt,
                        pii,
                        copy_text(key_id),
                    )
                )
            else:
                line = encoder.line(
                    _audit_row(
                        at,
                        action,
                        actor_id,
                        subject_id,
                        target_type,
                        target_id,
                        details_json,
                        salt,
                        pii,
                        key_id,
                    )
                )
            prepared.append((parts, line))
        if rows:
            _same_as_generic(rows[0], prepared[0], key_id, encoder)
        return prepared


def _audit_row(
    at, action, actor_id, subject_id, target_type, target_id, details_json, salt, pii, key_id
) -> dict[str, Any]:
    return {
        "created_at": at,
        "actor_id": actor_id,
        "subject_id": subject_id,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "details": details_json,
        "pii_digest": pii,
        "key_id": key_id,
        "ip": IP,
        "user_agent": USER_AGENT,
        "pii_salt": salt,
    }


def _copy_fields(encoder: Encoder, ip: str, user_agent: str) -> str:
    """The ip and user agent columns, which follow each other and are the same for every entry."""
    assert encoder.columns[7:9] == ("ip", "user_agent"), encoder.columns
    return f"{copy_text(ip)}\t{copy_text(user_agent)}"


def _same_as_generic(row: tuple, prepared: tuple, key_id: str, encoder: Encoder) -> None:
    """The first prepared entry against audit.hash_parts and the generic encoder."""
    at, action, actor_id, subject_id, target_type, target_id, details = row
    (parts, line) = prepared
    details_json = audit.canonical_json(details)
    salt = line.split("\t")[9] if encoder.postgres else line["pii_salt"]
    pii = audit.pii_digest(salt, IP, USER_AGENT)
    full = _audit_row(
        at, action, actor_id, subject_id, target_type, target_id, details_json, salt, pii, key_id
    )
    entry = SimpleNamespace(
        **{k: v for k, v in full.items() if k not in ("ip", "user_agent", "pii_salt")}
    )
    if audit.hash_parts(entry) != parts or encoder.line(full) != line:
        raise RuntimeError(f"demo audit entry prepared unlike audit.hash_parts: {parts!r}")


def finish(
    batch: Draft, ids: dict[str, list[int]], key_id: str, postgres: bool, ctx: SimpleNamespace
) -> Finished:
    """Give the batch's rows their ids, seal the completions, prepare and encode everything."""
    chain = _Entries()
    for p, uid in batch.people:
        details = {"role": "employee", "department": p.department}
        chain.add(AuditAction.USER_CREATED, p.created_at, uid, "user", uid, details, actor=False)
        if p.has_password:
            set_at = p.created_at + timedelta(hours=2)
            chain.add(AuditAction.AUTH_PASSWORD_SET, set_at, uid, "user", uid, {"via": "demo"})
    _attempt_entries(batch.attempts, ids["attempts"], chain)
    completions, progress_rows = _completions(batch, ids["attempts"])
    for row, completion_id in zip(completions, ids["completions"], strict=True):
        row["id"] = completion_id
        _completion_entry(row, chain)
    for row, ack_id in zip(batch.acks, ids["acks"], strict=True):
        row["id"] = ack_id
        _ack_entry(row, ctx.version.version, chain)
    for row, event_id in zip(batch.events, ids["events"], strict=True):
        row["id"] = event_id
        _event_entry(row, chain)
    tables = [
        _encode(User, batch.users, postgres),
        _encode(QuizAttempt, batch.attempts, postgres),
        _encode(ModuleCompletion, completions, postgres),
        _encode(ModuleProgress, progress_rows, postgres),
        _encode(Acknowledgement, batch.acks, postgres),
        _encode(ConsentEvent, batch.events, postgres),
    ]
    audit_encoder = Encoder(AuditEvent.__table__, AUDIT_COLUMNS, postgres)
    prepared = chain.prepare(key_id, audit_encoder)
    last_at = max((row[0] for row in chain.rows), default=None)
    return Finished([t for t in tables if t.data], prepared, key_id, last_at)


def _encode(model: Any, rows: list[dict[str, Any]], postgres: bool) -> Encoded:
    if not rows:
        return Encoded(model.__tablename__, (), join_lines([]) if postgres else [])
    return Encoder(model.__table__, list(rows[0]), postgres).encode(rows)


def _attempt_entries(attempts: list[dict], attempt_ids: list[int], chain: _Entries) -> None:
    for row, attempt_id in zip(attempts, attempt_ids, strict=True):
        row["id"] = attempt_id
        chain.add(
            AuditAction.QUIZ_SUBMITTED,
            row["submitted_at"],
            row["user_id"],
            "quiz_attempt",
            attempt_id,
            {
                "module": row["module_slug"],
                "quiz_hash": row["quiz_hash"],
                "material_version": row["material_version"],
                "score": row["score"],
                "max_score": row["max_score"],
                "percent": row["percent"],
                "passed": row["passed"],
                **_named("quiz_attempt", attempt_id, row),
            },
        )


def _completions(batch: Draft, attempt_ids: list[int]) -> tuple[list[dict], list[dict]]:
    completions, progress_rows = [], []
    for uid, module, position in batch.plans:
        last = batch.attempts[position]
        at = last["submitted_at"]
        row = {
            "user_id": uid,
            "module_slug": module.slug,
            "material_version": module.material_version,
            "content_hash": module.content_hash,
            "score": last["percent"],
            "attempt_id": attempt_ids[position],
            "completed_at": at,
        }
        _seal(learn_evidence.COMPLETIONS, row)
        completions.append(row)
        progress_rows.append(
            {
                "user_id": uid,
                "module_slug": module.slug,
                "content_hash": module.content_hash,
                "material_version": module.material_version,
                "current_step": module.step_count - 1,
                "steps_seen": list(range(module.step_count)),
                "started_at": at - timedelta(minutes=10),
                "updated_at": at,
                "steps_completed_at": at - timedelta(minutes=5),
            }
        )
    return completions, progress_rows


def _completion_entry(row: dict[str, Any], chain: _Entries) -> None:
    chain.add(
        AuditAction.MODULE_COMPLETED,
        row["completed_at"],
        row["user_id"],
        "module_completion",
        row["id"],
        {
            "module": row["module_slug"],
            "material_version": row["material_version"],
            "content_hash": row["content_hash"],
            "score": row["score"],
            "attempt_id": row["attempt_id"],
            **_named("module_completion", row["id"], row),
        },
    )


def _ack_entry(row: dict[str, Any], version: int, chain: _Entries) -> None:
    chain.add(
        AuditAction.POLICY_SIGNED,
        row["signed_at"],
        row["user_id"],
        "acknowledgement",
        row["id"],
        {
            "version": version,
            "locale": row["locale"],
            "text_sha256": row["text_sha256"],
            "code": row["code"],
            "mac": row["mac"],
            **_named("acknowledgement", row["id"], row),
        },
    )


def _event_entry(row: dict[str, Any], chain: _Entries) -> None:
    chain.add(
        DECISION_ACTIONS[row["decision"]],
        row["recorded_at"],
        row["user_id"],
        "consent_event",
        row["id"],
        {
            "purpose_id": row["purpose_id"],
            "medium": row["medium"],
            "valid_until": row["valid_until"].isoformat() if row["valid_until"] else None,
            "text_version": row["text_version"],
            "text_sha256": row["text_sha256"],
            "on_behalf": False,
            "paper_reference": None,
            "mac": row["mac"],
            **_named("consent_event", row["id"], row),
        },
    )
