"""The policy in `flask content export|import DIR`: the files stay a first-class source.

Export writes the current published policy, as employees read it now (its latest minor
revision), in the format content/policy reads: `content/policy/v<N>.<locale>.md`, a YAML header
(version, title, the stable section ids in order, the summary of changes) and the `## `
numbered sections. The organisation's names are written filled in, as they were published:
the text is what was signed. Drafts are not exported (as for modules: only what is published).

Import reads the newest version found in the folder, checks it with the rules of the builder
(both languages, the same section ids, one `## ` heading per id, known variables) and loads it
as a new policy builder draft: nothing is published until it is approved and published in the
browser. A text identical to the current published one is not imported again.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from app.core import settings, yaml_text
from app.core.client import ClientInfo
from app.core.content_store import ContentFolderError
from app.models.policy import PolicyDraft, PolicyDraftSection
from app.models.user import User
from app.policy import redline, versions
from app.policy.builder import draft_content, drafts

FOLDER = "content/policy"
_NAME = re.compile(r"^v(\d+)\.([a-z]{2})\.md$")


def _quoted(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar: one line, every character kept.
    return json.dumps(text, ensure_ascii=False)


def file_text(number: int, title: str, section_ids: list[str], changes: str, body: str) -> str:
    """One policy file: the YAML header then the text (its sections), ending with one newline."""
    header = [
        "---",
        f"version: {number}",
        f"title: {_quoted(title)}",
        f"sections: [{', '.join(section_ids)}]",
        f"changes: {_quoted(changes)}",
        "---",
    ]
    return "\n".join(header) + "\n\n" + body.strip() + "\n"


def export_policy(folder: Path) -> list[str]:
    """Write the current published policy under folder (a `content_exported` receiver)."""
    current = versions.current_version()
    if current is None:
        return []
    written = []
    for locale, text in sorted(versions.latest_texts(current).items()):
        path = f"{FOLDER}/v{current.version}.{locale}.md"
        ids = (text.section_ids or "").split()
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(
            file_text(current.version, text.title, ids, text.changes, text.markdown).encode()
        )
        written.append(path)
    return written


@dataclass(frozen=True)
class _ReadText:
    title: str
    changes: str
    section_ids: tuple[str, ...]
    sections: list[redline.Section]


def _read(path: Path, number: int, shown: str) -> _ReadText:
    """One file, checked; ContentFolderError (naming the file) when it is malformed."""

    def refuse(reason: str) -> ContentFolderError:
        return ContentFolderError(f"{shown}: {reason}")

    try:
        raw = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refuse("not UTF-8 text") from exc
    parts = raw.split("---", 2) if raw.startswith("---") else None
    try:
        meta: Any = yaml_text.safe_load(parts[1]) if parts else None
    except yaml.YAMLError as exc:
        raise refuse("the header between the --- lines is not readable YAML") from exc
    if not isinstance(meta, dict) or meta.get("version") != number:
        raise refuse(f"the header needs `version: {number}` (the number in the file name)")
    if not isinstance(meta.get("title"), str) or not meta["title"].strip():
        raise refuse("the header needs a title")
    ids = meta.get("sections")
    if not isinstance(ids, list) or not ids:
        raise refuse("the header needs `sections:`, the section ids in order")
    ids = [str(i) for i in ids]
    bad = [i for i in ids if not draft_content.section_id_ok(i)]
    if bad or len(set(ids)) != len(ids):
        raise refuse(
            "section ids are lowercase words joined by dashes, each once: " + ", ".join(bad or ids)
        )
    assert parts is not None
    body = parts[2].strip() + "\n"
    sections = redline.split_sections(body, tuple(ids))
    if len(sections) != len(ids) or any(s.key.startswith("#") for s in sections):
        raise refuse(
            f"{len(ids)} section id(s) in the header, {len(sections)} `## ` heading(s) in the text"
        )
    if body.split("## ", 1)[0].strip():
        raise refuse("text before the first `## ` heading would be lost: put it in a section")
    unknown = sorted(set(versions.variable_names(raw)) - set(settings.organisation_variables()))
    if unknown:
        raise refuse("unknown variable(s): " + ", ".join(unknown))
    changes = meta.get("changes") or ""
    return _ReadText(meta["title"].strip(), str(changes), tuple(ids), sections)


def prepare_import(folder: Path):
    """Read and check the newest policy version in the folder (a `content_import_prepared`
    receiver): None when there is none, else the loader making it a draft."""
    directory = folder / FOLDER
    found: dict[int, dict[str, Path]] = {}
    if directory.is_dir():
        for file in sorted(directory.iterdir()):
            match = _NAME.match(file.name)
            if file.is_file() and match:
                found.setdefault(int(match.group(1)), {})[match.group(2)] = file
    if not found:
        return None
    number = max(found)
    files = found[number]
    missing = [loc for loc in draft_content.LOCALES if loc not in files]
    if missing:
        names = ", ".join(f"{FOLDER}/v{number}.{loc}.md" for loc in missing)
        raise ContentFolderError(f"{names}: missing (the policy is written in French and English)")
    texts = {
        loc: _read(files[loc], number, f"{FOLDER}/v{number}.{loc}.md")
        for loc in draft_content.LOCALES
    }
    if texts["fr"].section_ids != texts["en"].section_ids:
        raise ContentFolderError(
            f"{FOLDER}/v{number}.fr.md and v{number}.en.md: the same section ids, in the same "
            "order, are needed in both languages"
        )

    def load(actor: User | None, client: ClientInfo) -> str:
        return _load(texts, f"{FOLDER}/v{number}", actor, client)

    return load


def _same_as_published(draft: PolicyDraft) -> bool:
    current = versions.current_version()
    if current is None:
        return False
    published = versions.latest_texts(current)
    for locale in draft_content.LOCALES:
        text = published.get(locale)
        if text is None or text.title != getattr(draft, f"title_{locale}"):
            return False
        if text.markdown != draft_content.markdown_for(draft, locale).strip() + "\n":
            return False
        if (text.section_ids or "").split() != [s.section_id for s in draft.sections]:
            return False
    return True


def _load(texts: dict[str, _ReadText], source: str, actor: User | None, client: ClientInfo) -> str:
    """A new policy builder draft holding the files' text; audited; never published."""
    reference = texts["fr"]
    draft = PolicyDraft(
        title_fr=texts["fr"].title,
        title_en=texts["en"].title,
        changes_fr=texts["fr"].changes,
        changes_en=texts["en"].changes,
        author_id=actor.id if actor else None,
    )
    draft.sections = [
        PolicyDraftSection(
            section_id=section_id,
            position=n,
            heading_fr=texts["fr"].sections[n].heading,
            body_fr=texts["fr"].sections[n].body,
            heading_en=texts["en"].sections[n].heading,
            body_en=texts["en"].sections[n].body,
        )
        for n, section_id in enumerate(reference.section_ids)
    ]
    if _same_as_published(draft):
        return f"Policy: {source} is the published text already; no draft made."
    drafts.open_draft(draft, actor, client, source="import", files=source)
    return (
        f"Policy: draft {draft.id} made from {source}. Review and publish it under "
        "/admin/policy/drafts."
    )
