"""Policy drafts written in the browser: start from the guided outline or the published text,
edit sections with stable ids in both languages, check, approve (a second person), publish.

Every saved change raises the draft's revision, withdraws an earlier approval and is audited;
publishing goes through `versions.publish`, the one write path of policy texts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.core import audit, settings
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.audit import AuditEvent
from app.models.policy import PolicyDraft, PolicyDraftSection, PolicyVersion
from app.models.types import utcnow
from app.models.user import User
from app.policy import redline, versions
from app.policy.builder.draft_content import (
    LOCALES,
    digest,
    outline,
    outline_section,
    problems,
    section_id_ok,
    sources,
)

REVIEW_REQUIRED = settings.SettingSpec(
    "policy.review_required",
    "bool",
    True,
    _l("A second person approves a policy draft before it is published"),
    _l("Policy"),
    _l("HR or an administrator other than the author. Untick only in a very small company."),
)


class DraftError(ValueError):
    """The change is refused; the message is shown to the author."""


@dataclass(frozen=True)
class HistoryEntry:
    """One audited change of a draft: when, by whom, what."""

    at: datetime
    actor: str
    action: str
    revision: int | None
    section: str


def history(draft: PolicyDraft) -> list[HistoryEntry]:
    """Every audited change of the draft, oldest first (from the hash-chained audit log)."""
    rows = db.session.execute(
        select(AuditEvent.created_at, User.full_name, AuditEvent.action, AuditEvent.details)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.target_type == "policy_draft", AuditEvent.target_id == str(draft.id))
        .order_by(AuditEvent.seq)
    )
    entries = []
    for at, name, action, raw in rows:
        details = json.loads(raw or "{}")
        entries.append(
            HistoryEntry(
                at,
                name or "",
                details.get("change") or action.removeprefix("policy.draft_"),
                details.get("revision"),
                details.get("section", ""),
            )
        )
    return entries


def get(draft_id: int) -> PolicyDraft | None:
    """A draft with its sections, author and approver, or None."""
    return db.session.scalar(
        select(PolicyDraft)
        .where(PolicyDraft.id == draft_id)
        .options(
            selectinload(PolicyDraft.sections),
            selectinload(PolicyDraft.author),
            selectinload(PolicyDraft.approved_by),
        )
    )


def all_drafts() -> list[PolicyDraft]:
    """Every draft, newest first, with its author."""
    return list(
        db.session.scalars(
            select(PolicyDraft)
            .options(selectinload(PolicyDraft.author))
            .order_by(PolicyDraft.id.desc())
        )
    )


def _record(
    draft: PolicyDraft, action: AuditAction, actor: User | None, client: ClientInfo, **details
):
    audit.record(
        action,
        actor=actor,
        target_type="policy_draft",
        target_id=draft.id,
        details={"revision": draft.revision, **details},
        client=client,
    )


def open_draft(draft: PolicyDraft, actor: User | None, client: ClientInfo, **details) -> None:
    """Store a new draft and audit its creation (`source`: the outline, a version, files)."""
    db.session.add(draft)
    db.session.flush()
    _record(draft, AuditAction.POLICY_DRAFT_CREATED, actor, client, **details)


def _section_from_outline(item: dict[str, Any], position: int) -> PolicyDraftSection:
    return PolicyDraftSection(
        section_id=item["id"],
        position=position,
        heading_fr=item["heading"]["fr"],
        heading_en=item["heading"]["en"],
        body_fr=item["start"]["fr"].strip(),
        body_en=item["start"]["en"].strip(),
    )


def create_from_outline(actor: User, client: ClientInfo) -> PolicyDraft:
    """A new draft with the outline's recommended sections and their starting texts."""
    data = outline()
    draft = PolicyDraft(
        title_fr=data["title"]["fr"], title_en=data["title"]["en"], author_id=actor.id
    )
    recommended = [s for s in data["sections"] if s.get("recommended")]
    draft.sections = [_section_from_outline(s, n) for n, s in enumerate(recommended)]
    open_draft(draft, actor, client, source="outline")
    return draft


def create_from_current(actor: User, client: ClientInfo) -> PolicyDraft:
    """A new draft holding the published text of the current version, section by section."""
    current = versions.current_version()
    if current is None:
        raise DraftError(_("No version of the policy has been published yet."))
    texts = versions.latest_texts(current)
    split = {
        locale: redline.split_sections(texts[locale].markdown, texts[locale].section_ids)
        for locale in LOCALES
        if locale in texts
    }
    reference = split.get("fr") or split.get("en") or []
    draft = PolicyDraft(
        title_fr=texts["fr"].title if "fr" in texts else "",
        title_en=texts["en"].title if "en" in texts else "",
        author_id=actor.id,
        based_on_version=current.version,
    )
    sections = []
    for n, section in enumerate(reference):
        key = section.key if not section.key.startswith("#") else f"section-{n + 1}"
        row = PolicyDraftSection(section_id=key, position=n)
        for locale, found in split.items():
            if n < len(found):
                setattr(row, f"heading_{locale}", found[n].heading)
                setattr(row, f"body_{locale}", found[n].body)
        sections.append(row)
    draft.sections = sections
    open_draft(draft, actor, client, source=f"v{current.version}")
    return draft


def _changed(draft: PolicyDraft, actor: User, client: ClientInfo, revision: int, **details):
    """Count one more revision (refusing a form sent from an older page) and audit it."""
    if draft.published:
        raise DraftError(_("This draft is published: start a new draft to change the policy."))
    if revision != draft.revision:
        raise DraftError(
            _("Someone changed this draft while you were editing it: reload it and try again.")
        )
    draft.revision += 1
    draft.updated_at = utcnow()
    draft.updated_by_id = actor.id
    draft.approved_revision = draft.approved_by_id = draft.approved_at = None
    draft.approved_digest = None
    _record(draft, AuditAction.POLICY_DRAFT_EDITED, actor, client, **details)


def update_details(draft: PolicyDraft, values: dict[str, str], *, actor, client, revision: int):
    """Save the titles and the summaries of changes."""
    for name in ("title_fr", "title_en", "changes_fr", "changes_en"):
        setattr(draft, name, values[name].strip())
    _changed(draft, actor, client, revision, change="details")


def find_section(draft: PolicyDraft, section_id: str) -> PolicyDraftSection | None:
    """The draft's section with this id, or None."""
    return next((s for s in draft.sections if s.section_id == section_id), None)


def update_section(draft, section, values: dict[str, str], *, actor, client, revision: int):
    """Save a section's headings and texts in both languages."""
    for name in ("heading_fr", "heading_en", "body_fr", "body_en"):
        setattr(section, name, values[name].strip())
    _changed(draft, actor, client, revision, change="section", section=section.section_id)


def add_section(draft: PolicyDraft, section_id: str, *, actor, client, revision: int):
    """Add a section at the end: from the outline when it has that id, else an empty one."""
    if not section_id_ok(section_id):
        raise DraftError(_("A section id is made of lowercase letters, digits and dashes."))
    if find_section(draft, section_id) is not None:
        raise DraftError(_("The draft already has a section with this id."))
    item = outline_section(section_id)
    position = max((s.position for s in draft.sections), default=-1) + 1
    row = (
        _section_from_outline(item, position)
        if item
        else PolicyDraftSection(section_id=section_id, position=position)
    )
    draft.sections.append(row)
    _changed(draft, actor, client, revision, change="added", section=section_id)


def remove_section(draft, section, *, actor, client, revision: int):
    """Remove a section from the draft."""
    draft.sections.remove(section)
    _changed(draft, actor, client, revision, change="removed", section=section.section_id)


def move_section(draft, section, offset: int, *, actor, client, revision: int):
    """Move a section one place up (-1) or down (+1)."""
    ordered = list(draft.sections)
    index = ordered.index(section)
    target = index + offset
    if not 0 <= target < len(ordered):
        raise DraftError(_("This section cannot move further."))
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, row in enumerate(ordered):
        row.position = position
    _changed(draft, actor, client, revision, change="moved", section=section.section_id)


def review_needed(draft: PolicyDraft) -> bool:
    """True while a required approval of the draft's current revision (and text) is missing."""
    if not settings.get(REVIEW_REQUIRED):
        return False
    return draft.approved_revision != draft.revision or draft.approved_digest != digest(draft)


def approve(draft: PolicyDraft, *, actor: User, client: ClientInfo, revision: int) -> None:
    """A second person approves this revision of the draft (never its last editor or author)."""
    if draft.published:
        raise DraftError(_("This draft is already published."))
    if actor.id in (draft.author_id, draft.updated_by_id):
        raise DraftError(_("Someone other than the author must approve the draft."))
    if revision != draft.revision:
        raise DraftError(_("The draft changed since you read it: read it again before approving."))
    if problems(draft):
        raise DraftError(_("Correct the problems listed on the draft before approving it."))
    draft.approved_revision = draft.revision
    draft.approved_by_id = actor.id
    draft.approved_at = utcnow()
    draft.approved_digest = digest(draft)
    _record(draft, AuditAction.POLICY_DRAFT_APPROVED, actor, client, digest=draft.approved_digest)


def signers_to_ask() -> tuple[int, int]:
    """(active people who will be asked to sign a new major version, of whom signed the current)."""
    active = db.session.scalar(select(func.count(User.id)).where(User.active.is_(True))) or 0
    current = versions.current_version()
    signed = 0
    if current is not None:
        signed = (
            db.session.scalar(
                select(func.count(Acknowledgement.id))
                .join(User, User.id == Acknowledgement.user_id)
                .where(Acknowledgement.policy_version_id == current.id, User.active.is_(True))
            )
            or 0
        )
    return active, signed


def publish(
    draft: PolicyDraft, *, major: bool, actor: User, client: ClientInfo, revision: int
) -> PolicyVersion:
    """Publish the draft as a new major version or a minor revision of the current one."""
    if draft.published:
        raise DraftError(_("This draft is already published."))
    if revision != draft.revision:
        raise DraftError(_("The draft changed since you read it: read it again before publishing."))
    if problems(draft):
        raise DraftError(_("Correct the problems listed on the draft before publishing it."))
    if review_needed(draft):
        raise DraftError(_("A second person must approve this version of the draft first."))
    current = versions.current_version_number()
    if not major and current is None:
        raise DraftError(_("The first version of the policy is a major version."))
    number = (current or 0) + 1 if major else current
    assert number is not None
    draft.published = True
    draft.updated_at = utcnow()
    _record(
        draft,
        AuditAction.POLICY_DRAFT_PUBLISHED,
        actor,
        client,
        major=major,
        version=number,
        digest=digest(draft),
    )
    row = versions.publish(
        number, actor=actor, client=client, sources=sources(draft, number), minor=not major
    )
    draft.published_label = versions.label(versions.current_version() or row)
    db.session.commit()
    return row
