"""What changed between two policy texts, section by section, with insertions and deletions
marked in words (not only in colour), and which modules teach the sections that changed."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from app.models.policy import PolicyText
from app.policy.versions import SourceText

HEADING_NUMBER_RE = re.compile(r"^\d+(\.\d+)*\.?\s+")
_TOKEN = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Section:
    """One `## ` section of a text: its id (or its position when ids are unknown), heading, body."""

    key: str
    heading: str
    body: str


@dataclass(frozen=True)
class SectionChange:
    """One section compared: "added", "removed", "changed" or "same", with the marked-up words."""

    key: str
    heading: str
    state: str
    html: Markup


def split_sections(
    markdown: str, section_ids: str | tuple[str, ...] | None = None
) -> list[Section]:
    """The text's `## ` sections in order, keyed by their stable ids when known."""
    found: list[tuple[str, list[str]]] = []
    in_fence = False
    for line in markdown.replace("\r\n", "\n").split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if not in_fence and line.startswith("## "):
            found.append((HEADING_NUMBER_RE.sub("", line[3:].strip()), []))
        elif found:
            found[-1][1].append(line)
    ids = list(section_ids) if isinstance(section_ids, tuple) else (section_ids or "").split()
    if len(ids) != len(found):
        ids = [f"#{n}" for n in range(1, len(found) + 1)]
    return [
        Section(key, heading, "\n".join(lines).strip())
        for key, (heading, lines) in zip(ids, found, strict=True)
    ]


def mark_words(old: str, new: str) -> Markup:
    """`new` with the words inserted since `old` in <ins> and those deleted in <del>, each
    announced to screen readers ("inserted:", "deleted:") since colour alone says nothing."""
    from flask_babel import gettext as _

    before, after = _TOKEN.findall(old), _TOKEN.findall(new)
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    inserted = Markup('<span class="visually-hidden">{} </span>').format(_("inserted:"))
    deleted = Markup('<span class="visually-hidden">{} </span>').format(_("deleted:"))
    parts: list[Markup] = []
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(escape("".join(after[b1:b2])))
            continue
        if tag in ("delete", "replace"):
            parts.append(Markup("<del>{}{}</del>").format(deleted, "".join(before[a1:a2])))
        if tag in ("insert", "replace"):
            parts.append(Markup("<ins>{}{}</ins>").format(inserted, "".join(after[b1:b2])))
    return Markup("").join(parts)


def compare(old: PolicyText | SourceText, new: PolicyText | SourceText) -> list[SectionChange]:
    """Every section of the new text in order (then the removed ones), compared with the old."""
    before = {s.key: s for s in split_sections(old.markdown, old.section_ids)}
    after = split_sections(new.markdown, new.section_ids)
    changes = []
    for section in after:
        previous = before.get(section.key)
        if previous is None:
            changes.append(
                SectionChange(section.key, section.heading, "added", mark_words("", section.body))
            )
        else:
            same = previous.body == section.body and previous.heading == section.heading
            changes.append(
                SectionChange(
                    section.key,
                    section.heading,
                    "same" if same else "changed",
                    mark_words(previous.body, section.body),
                )
            )
    kept = {s.key for s in after}
    for key, section in before.items():
        if key not in kept:
            changes.append(
                SectionChange(key, section.heading, "removed", mark_words(section.body, ""))
            )
    return changes


def changed_ids(changes: list[SectionChange]) -> set[str]:
    """The stable ids of the sections that were added, removed or changed."""
    return {c.key for c in changes if c.state != "same" and not c.key.startswith("#")}


@dataclass(frozen=True)
class ModuleLink:
    """A module that teaches a changed section: to do again for what changed."""

    slug: str
    title: str


@dataclass(frozen=True)
class WhatChanged:
    """The redline from the signed text to the current one, and the modules on what changed."""

    sections: list[SectionChange]
    modules: list[ModuleLink]

    @property
    def changed(self) -> list[SectionChange]:
        return [s for s in self.sections if s.state != "same"]


def modules_teaching(section_ids: set[str], locale: str) -> list[ModuleLink]:
    """The modules whose `teaches:` names one of these sections, in catalogue order."""
    from app.learn.content import catalog

    return [
        ModuleLink(m.slug, m.text(locale).title)
        for m in catalog.catalog().modules
        if section_ids & set(m.teaches)
    ]


def what_changed(signed: PolicyText, versions_texts: list[PolicyText], current: PolicyText):
    """Compare the text a person signed (in the reader's language when the signed version has
    it) with the current text, and list the modules teaching the sections that changed."""
    old = next((t for t in versions_texts if t.locale == current.locale), signed)
    sections = compare(old, current)
    return WhatChanged(sections, modules_teaching(changed_ids(sections), current.locale))
