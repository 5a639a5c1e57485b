"""Drafts of content files: save (every revision kept), validate as `flask content check`, publish.

A draft is a set of files in the file formats (path → text, app.core.content_store). Nobody
learns from it: the catalogue reads the shipped files overlaid by *published* files only.
Validation overlays the draft on the effective files and runs the catalogue's loader and guards
on the result, so an error names the same file and line as `flask content check` would.
Publishing appends each changed file to PublishedContentFile (evidence: sealed, audited); the
commit drops the cached overlay, so the next page uses the new content.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.consent import authoring as consent_authoring
from app.core import audit, content_store
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.evidence import seals
from app.extensions import db
from app.learn import evidence
from app.learn.authoring import file_settings
from app.learn.content import guards
from app.learn.content.types import LOCALES, ContentError
from app.learn.content.validation import load_catalog
from app.models.learning import ContentDraft, ContentDraftFile, PublishedContentFile
from app.models.types import utcnow
from app.models.user import User


class DraftError(ValueError):
    """The draft cannot take this change (closed, or a path no content file may have)."""


@dataclass(frozen=True)
class Validation:
    """Every problem of the effective content with the draft applied, by draft path."""

    errors: tuple[ContentError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    def for_path(self, path: str) -> list[ContentError]:
        """The problems of one file."""
        return [e for e in self.errors if e.file == path]


def _normalised_file(name: str) -> str:
    # The loader names files relative to CONTENT_DIR's parent (content/…, quizzes/…); the
    # guards name them relative to CONTENT_DIR (modules/…, policy/…).
    if name.startswith(("modules/", "policy/", "consent/")):
        return "content/" + name
    return name


_TRANSLATION = re.compile(r"the (fr|en) text is missing|has no (fr|en) file")


def is_translation(error: ContentError) -> bool:
    """A text or file present in one language only: it blocks publishing, not saving."""
    return error.where == "locales" or bool(_TRANSLATION.search(error.message))


def _key(error: ContentError) -> tuple[str, str, str]:
    where = re.sub(r"^line \d+(: )?", "", error.where)
    return error.file, where, error.message


def new_errors(before: list[ContentError], after: list[ContentError]) -> list[ContentError]:
    """Errors of `after` that `before` did not have (line numbers aside), translation ones aside."""
    known = {_key(e) for e in before}
    return [e for e in after if _key(e) not in known and not is_translation(e)]


def check_edit(
    draft: ContentDraft, changes: dict[str, str], everywhere: bool = False
) -> tuple[list[ContentError], list[ContentError]]:
    """(errors the unsaved changes would add, every error of the changed files with them).

    With `everywhere`, errors the changes cause in other files count too (a section no longer
    taught anywhere, reported on the policy file): settings and retirement change those."""
    mine = files(draft)

    def concerned(error: ContentError) -> bool:
        return everywhere or error.file in changes

    before = [e for e in validate_files(mine).errors if concerned(e)]
    after = [e for e in validate_files({**mine, **changes}).errors if concerned(e)]
    return new_errors(before, after), after


def create(title: str, *, actor: User | None, client: ClientInfo) -> ContentDraft:
    """Open an empty draft (audited; commits)."""
    draft = ContentDraft(
        title=title.strip()[:200] or "Draft", created_by_id=actor.id if actor else None
    )
    db.session.add(draft)
    db.session.flush()
    audit.record(
        AuditAction.CONTENT_DRAFT_CREATED,
        actor=actor,
        target_type="content_draft",
        target_id=draft.id,
        details={"title": draft.title},
        client=client,
    )
    db.session.commit()
    return draft


def files(draft: ContentDraft) -> dict[str, str]:
    """The newest saved text of each file of the draft."""
    latest: dict[str, str] = {}
    for path, text in db.session.execute(
        select(ContentDraftFile.path, ContentDraftFile.text)
        .where(ContentDraftFile.draft_id == draft.id)
        .order_by(ContentDraftFile.id)
    ):
        latest[path] = text
    return latest


def current_text(draft: ContentDraft, path: str) -> str | None:
    """The file as the draft has it: its own revision, else the effective file (None: new)."""
    return files(draft).get(path, content_store.effective_files().get(path))


def save_files(
    draft: ContentDraft, changes: dict[str, str], *, actor: User | None, client: ClientInfo
) -> list[str]:
    """Save new revisions of files (those whose text changed); audited; commits. Returns paths."""
    if draft.state != "open":
        raise DraftError("the draft is closed")
    for path in changes:
        if not content_store.valid_path(path):
            raise DraftError(f"{path}: not a module, quiz or consent text path")
    mine = files(draft)
    effective = content_store.effective_files()
    retired, restored = file_settings.retirement_changes({**effective, **mine}, changes)
    _may_retire(actor, retired | restored)
    saved = []
    for path, text in sorted(changes.items()):
        text = text.replace("\r\n", "\n")
        if text == mine.get(path, effective.get(path)):
            continue
        db.session.add(
            ContentDraftFile(
                draft_id=draft.id, path=path, text=text, saved_by_id=actor.id if actor else None
            )
        )
        saved.append(path)
    if saved:
        audit.record(
            AuditAction.CONTENT_DRAFT_SAVED,
            actor=actor,
            target_type="content_draft",
            target_id=draft.id,
            details={
                "files": {p: hashlib.sha256(changes[p].encode()).hexdigest() for p in saved},
                **({"retired": sorted(retired)} if retired else {}),
                **({"restored": sorted(restored)} if restored else {}),
            },
            client=client,
        )
        db.session.commit()
    return saved


def _may_retire(actor: User | None, slugs: set[str]) -> None:
    """Retiring or restoring a module is an administrator's decision (None: the command line,
    run by whoever operates the server)."""
    if slugs and actor is not None and not actor.is_admin:
        raise DraftError(
            _(
                "only an administrator can retire or restore a module (%(modules)s)",
                modules=", ".join(sorted(slugs)),
            )
        )


def validate_files(overlay: dict[str, str]) -> Validation:
    """The checks of `flask content check` (loader, then guards) on the effective files + overlay."""
    merged = {**content_store.effective_files(), **overlay}
    found = list(_file_errors(merged))
    found += [ContentError(*p) for p in consent_authoring.check(merged, set(overlay))]
    errors = tuple(
        ContentError(_normalised_file(e.file), e.where, e.message) for e in dict.fromkeys(found)
    )
    return Validation(errors)


_recent: OrderedDict[str, tuple[ContentError, ...]] = OrderedDict()
_recent_lock = threading.Lock()
RECENT_MAX = 16


def _file_errors(merged: dict[str, str]) -> tuple[ContentError, ...]:
    """Loader and guard errors of these files; the last few results are kept, since a page
    validates the same draft before and after an edit (the guards take a second or two)."""
    key = hashlib.sha256(repr(sorted(merged.items())).encode()).hexdigest()
    policy = Path(current_app.config["CONTENT_DIR"]) / "policy"
    # The shipped images and policy are linked, not copied: their names and dates count too.
    stamps = (
        sorted((p.name, p.stat().st_mtime_ns) for p in policy.iterdir()) if policy.is_dir() else []
    )
    key += str(policy) + repr(stamps)
    with _recent_lock:
        if key in _recent:
            _recent.move_to_end(key)
            return _recent[key]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        content_store.build_folder(merged, root)
        loaded = load_catalog(root / "content", root / "quizzes")
        found = list(loaded.errors)
        found += guards.run(loaded.modules, loaded.policy, root / "content" / "policy").errors
    result = tuple(found)
    with _recent_lock:
        _recent[key] = result
        while len(_recent) > RECENT_MAX:
            _recent.popitem(last=False)
    return result


def validate(draft: ContentDraft) -> Validation:
    """Validate the draft applied on the effective content."""
    return validate_files(files(draft))


def translation_status(paths: set[str]) -> dict[str, dict[str, bool]]:
    """For each module and consent text slug among paths, which locales have a file."""
    status: dict[str, dict[str, bool]] = {}
    for path in paths:
        if content_store.kind_of(path) == "quiz":
            continue
        slug, locale = content_store.slug_locale(path)
        key = f"{content_store.kind_of(path)}:{slug}"
        status.setdefault(key, dict.fromkeys(LOCALES, False))[str(locale)] = True
    return status


def publish(draft: ContentDraft, *, actor: User, client: ClientInfo) -> Validation:
    """Publish the draft if it validates: append its files (sealed, audited), close it; commits.

    Returns the validation; nothing is published when it has errors or the draft is closed.
    """
    if draft.state != "open":
        raise DraftError("the draft is closed")
    mine = files(draft)
    effective = content_store.effective_files()
    retired, restored = file_settings.retirement_changes(effective, mine)
    _may_retire(actor, retired | restored)
    result = validate_files(mine)
    if not result.ok:
        return result
    now = utcnow()
    rows = []
    for path, text in sorted(mine.items()):
        if effective.get(path) == text:
            continue  # already what everyone has
        row = PublishedContentFile(
            path=path,
            text=text,
            sha256=hashlib.sha256(text.encode()).hexdigest(),
            draft_id=draft.id,
            published_by_id=actor.id,
            published_at=now,
        )
        seals.seal(evidence.PUBLISHED_FILES, row)
        db.session.add(row)
        rows.append(row)
    draft.state = "published"
    draft.closed_by_id = actor.id
    draft.closed_at = now
    db.session.flush()
    audit.record(
        AuditAction.CONTENT_PUBLISHED,
        actor=actor,
        target_type="content_draft",
        target_id=draft.id,
        details={
            "files": {row.path: row.sha256 for row in rows},
            **seals.sealed_details((evidence.PUBLISHED_FILES, rows)),
        },
        client=client,
    )
    for action, slugs in (
        (AuditAction.CONTENT_MODULE_RETIRED, retired),
        (AuditAction.CONTENT_MODULE_RESTORED, restored),
    ):
        for slug in sorted(slugs):
            audit.record(
                action,
                actor=actor,
                target_type="module",
                target_id=slug,
                details={"draft": draft.id},
                client=client,
            )
    if any(content_store.kind_of(row.path) == "consent" for row in rows):
        consent_authoring.publish(actor, client)  # new consent text versions (commits)
    db.session.commit()
    return result


def discard(draft: ContentDraft, *, actor: User, client: ClientInfo) -> None:
    """Close a draft without publishing it (its revisions are kept); audited; commits."""
    if draft.state != "open":
        raise DraftError("the draft is closed")
    draft.state = "discarded"
    draft.closed_by_id = actor.id
    draft.closed_at = utcnow()
    audit.record(
        AuditAction.CONTENT_DRAFT_DISCARDED,
        actor=actor,
        target_type="content_draft",
        target_id=draft.id,
        client=client,
    )
    db.session.commit()


def open_drafts() -> list[ContentDraft]:
    """Every draft, open ones first, newest first."""
    rows = db.session.scalars(select(ContentDraft).order_by(ContentDraft.id.desc()))
    return sorted(rows, key=lambda d: d.state != "open")
