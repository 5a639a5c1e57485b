"""Data export (GDPR articles 15 and 20): a ZIP of everything held about one person.

charte-export.json follows schemas/me-export.schema.json. Each part builder is a callable
(user, context) -> ExportPart | None adding a key to the JSON and files to the ZIP; other areas
(e.g. certificates, the signed-in sessions) add theirs through `hooks.export_sections`. Both types
live in core.export_parts so that a domain privacy imports (people) can contribute too.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Callable
from datetime import datetime
from typing import IO, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, undefer

from app.consent import receipts as consent_receipts
from app.consent import texts
from app.core import audit, hooks
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.core.export_parts import ExportContext, ExportPart
from app.evidence import attachments
from app.extensions import db
from app.learn import progress
from app.models.audit import AuditEvent
from app.models.consent import ConsentEvent
from app.models.learning import ModuleCompletion, QuizAttempt
from app.models.privacy import EvidenceAttachment
from app.models.types import utcnow
from app.models.user import User
from app.policy import receipts, versions
from app.privacy import me_page
from app.privacy.export_readme import README

FORMAT = "charte-export/1"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _network(record: Any, reader: User) -> tuple[str | None, str | None]:
    """The IP address and browser stored with a record, as the reader may see them.

    A record HR made on the person's behalf carries the HR person's own address and browser:
    they are that HR person's personal data, shown to nobody else (the person exporting gets
    who recorded it and when, not from where).
    """
    if record.on_behalf and record.recorded_by_id != reader.id:
        return None, None
    return record.ip, record.user_agent


def profile_part(user: User, ctx: ExportContext) -> ExportPart:
    """The account as stored."""
    return ExportPart(
        "profile",
        {
            "id": user.id,
            "email": user.email,
            "full_name": user.full_name,
            "department": user.department,
            "job_title": user.job_title,
            "start_date": _iso(user.start_date),
            "locale": user.locale,
            "role": user.role,
            "active": user.active,
            "created_at": _iso(user.created_at),
            "deactivated_at": _iso(user.deactivated_at),
            "last_login_at": _iso(user.last_login_at),
        },
    )


def progress_part(user: User, ctx: ExportContext) -> ExportPart:
    """Module statuses and every completion recorded."""
    modules = [
        {
            "module": item.module.slug,
            "title": item.module.text(ctx.locale).title,
            "status": item.status,
            "required": item.placed.required,
            "completed_at": _iso(item.completed_at),
        }
        for item in progress.learner_modules(user)
    ]
    completions = [
        {
            "module": c.module_slug,
            "material_version": c.material_version,
            "content_hash": c.content_hash,
            "score": c.score,
            "quiz_attempt_id": c.attempt_id,
            "completed_at": _iso(c.completed_at),
        }
        for c in db.session.scalars(
            select(ModuleCompletion)
            .where(ModuleCompletion.user_id == user.id)
            .order_by(ModuleCompletion.id)
        )
    ]
    return ExportPart("progress", {"modules": modules, "completions": completions})


def quiz_part(user: User, ctx: ExportContext) -> ExportPart:
    """Every quiz attempt with its questions' order and the answers given."""
    rows = db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.user_id == user.id).order_by(QuizAttempt.id)
    )
    return ExportPart(
        "quiz_attempts",
        [
            {
                "id": a.id,
                "module": a.module_slug,
                "material_version": a.material_version,
                "quiz_sha256": a.quiz_hash,
                "question_order": a.question_order,
                "answers": a.answers,
                "score": a.score,
                "max_score": a.max_score,
                "percent": a.percent,
                "passed": a.passed,
                "started_at": _iso(a.started_at),
                "submitted_at": _iso(a.submitted_at),
            }
            for a in rows
        ],
    )


def _signed_text(ack: Any) -> tuple[dict[str, Any] | None, list[tuple[str, bytes]]]:
    """The text of a signature as signed: its key in the JSON and the exact HTML as a file.

    The file holds the stored HTML byte for byte, so its SHA-256 is the signature's text_sha256
    whenever `matches` is true: anyone can check it with a standard tool.
    """
    signed = receipts.signed_text(ack)
    if signed is None:
        return None, []
    path = f"policy_texts/policy-v{signed.version}.{signed.locale}.html"
    return (
        {
            "version": signed.version,
            "locale": signed.locale,
            "title": signed.title,
            "markdown": signed.markdown,
            "html": signed.html,
            "matches_text_sha256": signed.matches,
            "file": path,
        },
        [(path, signed.html.encode("utf-8"))],
    )


def signatures_part(user: User, ctx: ExportContext) -> ExportPart:
    """Policy signatures with their evidence, the text as signed, and each receipt as PDF."""
    data, files = [], []
    for ack in me_page.signatures(user):
        signed, text_files = _signed_text(ack)
        files.extend(text_files)
        ip, user_agent = _network(ack, user)
        data.append(
            {
                "id": ack.id,
                "policy_version": ack.policy_version.version,
                "policy_version_label": versions.acknowledged_label(ack),
                "locale": ack.locale,
                "text_sha256": ack.text_sha256,
                "statement": ack.statement,
                "typed_name": ack.typed_name,
                "signed_at": _iso(ack.signed_at),
                "ip": ip,
                "user_agent": user_agent,
                "method": ack.auth_method,
                "verification_code": ack.code,
                "on_behalf": bool(ack.on_behalf),
                "recorded_by": ack.recorded_by.full_name if ack.recorded_by else None,
                "paper_reference": ack.paper_reference,
                "attachment_id": ack.attachment_id,
                "receipt": f"receipts/policy-{ack.code}.pdf",
                "signed_text": signed,
            }
        )
        files.append(
            (
                f"receipts/policy-{ack.code}.pdf",
                receipts.render(ack, ctx.policy_verify_url(ack.code)),
            )
        )
    return ExportPart("signatures", data, files)


def consent_part(user: User, ctx: ExportContext) -> ExportPart:
    """Every image-consent decision, with its PDF and JSON receipts."""
    titles = texts.titles(ctx.locale)
    events = db.session.scalars(
        select(ConsentEvent)
        .where(ConsentEvent.user_id == user.id)
        .options(
            joinedload(ConsentEvent.user),
            joinedload(ConsentEvent.recorded_by),
            joinedload(ConsentEvent.purpose),
            joinedload(ConsentEvent.text),
        )
        .order_by(ConsentEvent.id)
    )
    data, files = [], []
    for event in events:
        title = titles.get(event.purpose_id, event.text.title)
        verify_url = ctx.consent_verify_url(event.code)
        ip, user_agent = _network(event, user)
        data.append(
            {
                "id": event.id,
                "purpose": event.purpose.slug,
                "purpose_title": title,
                "medium": event.medium,
                "decision": event.decision,
                "valid_from": _iso(event.valid_from),
                "valid_until": _iso(event.valid_until),
                "recorded_at": _iso(event.recorded_at),
                "text_version": event.text_version,
                "text_locale": event.text_locale,
                "text_sha256": event.text_sha256,
                "ip": ip,
                "user_agent": user_agent,
                "on_behalf": bool(event.on_behalf),
                "recorded_by": event.recorded_by.full_name if event.recorded_by else None,
                "paper_reference": event.paper_reference,
                "attachment_id": event.attachment_id,
                "verification_code": event.code,
                "receipts": [
                    f"receipts/consent-{event.id}.pdf",
                    f"receipts/consent-{event.id}.json",
                ],
            }
        )
        receipt = consent_receipts.signed_json_receipt(
            event,
            title,
            withdrawal_url=ctx.withdrawal_url,
            verify_url=verify_url,
            locale=ctx.locale,
        )
        pdf = consent_receipts.pdf_receipt(
            event, title, locale=ctx.locale, verify_url=verify_url, signed=receipt
        )
        files.append((f"receipts/consent-{event.id}.pdf", pdf))
        files.append((f"receipts/consent-{event.id}.json", json.dumps(receipt, indent=2).encode()))
    return ExportPart("consent_events", data, files)


def attachments_part(user: User, ctx: ExportContext) -> ExportPart:
    """Scans of the paper forms HR recorded for the person."""
    rows = db.session.scalars(
        select(EvidenceAttachment)
        .where(EvidenceAttachment.user_id == user.id)
        .options(undefer(EvidenceAttachment.data))
        .order_by(EvidenceAttachment.id)
    ).all()
    data = [
        {
            "id": row.id,
            "file": f"attachments/{attachments.download_name(row)}",
            "content_type": row.content_type,
            "size": row.size,
            "sha256": row.sha256,
            "uploaded_at": _iso(row.uploaded_at),
        }
        for row in rows
    ]
    files = [(f"attachments/{attachments.download_name(row)}", row.data) for row in rows]
    return ExportPart("paper_forms", data, files)


def audit_part(user: User, ctx: ExportContext) -> ExportPart:
    """Audit entries about the person (as actor or subject).

    Address and browser are given only for entries the person made: on entries HR made about
    them, those are HR's, not theirs.
    """
    rows = db.session.scalars(
        select(AuditEvent)
        .where(or_(AuditEvent.actor_id == user.id, AuditEvent.subject_id == user.id))
        .order_by(AuditEvent.seq)
    )
    return ExportPart(
        "audit_events",
        [
            {
                "seq": e.seq,
                "created_at": _iso(e.created_at),
                "action": e.action,
                "by_me": e.actor_id == user.id,
                "about_me": e.subject_id == user.id,
                "target_type": e.target_type,
                "target_id": e.target_id,
                "details": json.loads(e.details),
                "ip": e.ip if e.actor_id == user.id else None,
                "user_agent": e.user_agent if e.actor_id == user.id else None,
            }
            for e in rows
        ],
    )


BUILT_IN_PARTS: tuple[Callable[[User, ExportContext], ExportPart | None], ...] = (
    profile_part,
    progress_part,
    quiz_part,
    signatures_part,
    consent_part,
    attachments_part,
    audit_part,
)


def build(
    user: User, ctx: ExportContext, *, client: ClientInfo, now: datetime | None = None
) -> IO[bytes]:
    """Audit the export, then write the ZIP to a temporary file (rewound, ready to stream)."""
    moment = now or utcnow()
    audit.record(
        AuditAction.ME_EXPORTED,
        actor=user,
        subject=user,
        target_type="user",
        target_id=user.id,
        client=client,
    )
    db.session.commit()
    document: dict[str, Any] = {"format": FORMAT, "generated_at": moment.isoformat()}
    files: list[tuple[str, bytes]] = []
    parts = [build_part(user, ctx) for build_part in BUILT_IN_PARTS]
    for part in parts + hooks.export_sections.collect(user, ctx):
        if part is None:
            continue
        document[part.key] = part.data
        files.extend(part.files)
    document["files"] = sorted(path for path, _data in files)
    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - streamed
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "charte-export.json", json.dumps(document, indent=2, ensure_ascii=False, default=str)
        )
        archive.writestr("README.txt", README)
        for path, data in files:
            archive.writestr(path, data)
    out.seek(0)
    return out
