"""The section ids of the policy files (front matter `sections:`, one per `## ` heading)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from app.core import yaml_text
from app.learn.content.types import LOCALES, SECTION_ID_RE, PolicyOutline

POLICY_FILE_RE = re.compile(r"^v(?P<version>\d+)\.(?P<locale>[a-z]{2})\.md$")
HEADING_NUMBER_RE = re.compile(r"^\d+(\.\d+)*\.?\s+")


def _read(path: Path, add) -> tuple[list[str] | None, list[str]]:
    """The file's `sections:` list (None when absent) and its `## ` headings."""
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    meta: object = None
    body = text
    if text.startswith("---"):
        parts = text.split("---", 2)
        if len(parts) == 3:
            try:
                meta = yaml_text.safe_load(parts[1])
            except yaml.YAMLError:
                add("front matter", "the header is not valid YAML")
            body = parts[2]
    headings, in_fence = [], False
    for line in body.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if not in_fence and line.startswith("## "):
            headings.append(line[3:].strip())
    sections = meta.get("sections") if isinstance(meta, dict) else None
    if sections is None:
        return None, headings
    if not isinstance(sections, list) or not all(
        isinstance(s, str) and SECTION_ID_RE.match(s) for s in sections
    ):
        add("sections", "'sections' is a list of ids in lowercase-with-dashes")
        return [], headings
    if len(set(sections)) != len(sections):
        add("sections", "a section id is listed twice")
    if len(sections) != len(headings):
        add("sections", f"{len(sections)} section ids for {len(headings)} '## ' headings")
    return sections, headings


def load_outline(policy_dir: Path, errors) -> PolicyOutline | None:
    """The newest policy version's outline; errors when its locales disagree on the ids.

    Older versions are not read. A newest version without `sections:` gives an outline with no
    ids (the coverage guard of `flask content check` then reports it).
    """
    if not policy_dir.is_dir():
        return None
    by_version: dict[int, dict[str, Path]] = {}
    for path in policy_dir.iterdir():
        match = POLICY_FILE_RE.match(path.name)
        if match and match["locale"] in LOCALES:
            by_version.setdefault(int(match["version"]), {})[match["locale"]] = path
    if not by_version:
        return None
    version = max(by_version)
    files = by_version[version]
    ids: tuple[str, ...] | None = None
    titles: dict[str, tuple[str, ...]] = {}
    reference = ""
    for locale in LOCALES:
        found_path = files.get(locale)
        if found_path is None:
            continue
        add = errors.adder(found_path)
        sections, headings = _read(found_path, add)
        titles[locale] = tuple(HEADING_NUMBER_RE.sub("", h) for h in headings)
        found = tuple(sections or ())
        if ids is None:
            ids, reference = found, found_path.name
        elif found != ids:
            add("sections", f"the section ids differ from those of {reference}")
    first = files.get(LOCALES[0]) or next(iter(files.values()))
    return PolicyOutline(version, first.name, ids or (), titles)
