"""`flask content export DIR` and `flask content import DIR`: the files stay a first-class source.

Export writes the effective files (shipped, overlaid by what was published in the browser) in
the layout of app.core.content_store. Import loads a folder as a new draft holding the files
that differ from the effective ones: nothing is published until someone publishes the draft.
Other areas' authored content (the policy) travels in the same folder through the
`content_exported` and `content_import_prepared` hooks; a malformed file of theirs stops the
whole import before anything is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.core import audit, content_store, hooks
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.extensions import db
from app.learn.authoring import drafts
from app.models.learning import ContentDraft
from app.models.user import User


@dataclass
class ImportReport:
    """What an import did: the draft (None when nothing differed), files taken and skipped."""

    draft: ContentDraft | None = None
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)  # what other areas' loaders did


def export_to(folder: Path) -> list[str]:
    """Write every effective module, quiz and consent text file under folder; their paths."""
    files = content_store.effective_files()
    content_store.write_folder(files, folder)
    others = [path for paths in hooks.content_exported.collect(folder) for path in paths]
    return sorted([*files, *others])


def import_from(folder: Path, *, actor: User | None, client: ClientInfo) -> ImportReport:
    """Load the folder's files as new drafts (only those that differ); audited; commits.

    Raises content_store.ContentFolderError, having imported nothing, when another area's file
    (the policy's) is malformed."""
    report = ImportReport()
    loaders = hooks.content_import_prepared.collect(folder)  # may raise: before any change
    found, report.problems = content_store.read_folder(folder)
    effective = content_store.effective_files()
    changes = {p: t for p, t in found.items() if effective.get(p) != t}
    report.unchanged = len(found) - len(changes)
    report.others = [loader(actor, client) for loader in loaders]
    if not changes:
        db.session.commit()
        return report
    draft = drafts.create(f"Import of {folder.name}", actor=actor, client=client)
    report.changed = drafts.save_files(draft, changes, actor=actor, client=client)
    audit.record(
        AuditAction.CONTENT_IMPORTED,
        actor=actor,
        target_type="content_draft",
        target_id=draft.id,
        details={"folder": str(folder), "files": report.changed},
        client=client,
    )
    db.session.commit()
    report.draft = draft
    return report
