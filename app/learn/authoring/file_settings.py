"""A module's front matter and a quiz's top-level settings as values, written back in place.

Only the lines of a key whose value changed are rewritten (the key's line and the indented
lines under it); every other byte is kept, so a form sent back unchanged leaves the file
byte-identical and a new title is a one-line diff. The content check judges the values
(app.learn.content.validation, quiz_checks); this module only reads and writes them.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from app.core import yaml_text
from app.learn.content.types import ContentError

# Worded per locale (one file each) / shared by both locale files (the loader compares them).
MODULE_TEXT_KEYS = ("title", "summary")
MODULE_SHARED_KEYS = ("minutes", "order", "required", "version", "teaches")
QUIZ_KEYS = ("version", "pass_mark", "draw")
QUIZ_FIELDS = {"version": "quiz_version", "pass_mark": "pass_mark", "draw": "draw"}  # key → field
_PLAIN_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_TEACHES_LINE = re.compile(r"^\s*([^:]+?)\s*:\s*([\d\s,]*)$")


class SettingsError(ValueError):
    """The file cannot be edited field by field (edit it as a whole file instead)."""


def _front_matter_end(lines: list[str]) -> int:
    """Index of the line closing the front matter."""
    if not lines or lines[0].strip() != "---":
        raise SettingsError("no front matter")
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return index
    raise SettingsError("the front matter is not closed")


def _region(lines: list[str], front_matter: bool) -> tuple[int, int]:
    """(first, end) indexes of the top-level YAML lines: the front matter, or the whole file."""
    return (1, _front_matter_end(lines)) if front_matter else (0, len(lines))


def _parse(text: str, front_matter: bool) -> dict[str, Any]:
    lines = text.split("\n")
    first, end = _region(lines, front_matter)
    try:
        data = yaml_text.safe_load("\n".join(lines[first:end])) or {}
    except yaml.YAMLError as exc:
        raise SettingsError("not valid YAML") from exc
    if not isinstance(data, dict):
        raise SettingsError("not a mapping")
    return data


def module_values(text: str) -> dict[str, Any]:
    """The front matter of a module file (SettingsError when it cannot be read)."""
    return _parse(text, front_matter=True)


def quiz_values(text: str) -> dict[str, Any]:
    """The top-level keys of a quiz file (SettingsError when it cannot be read)."""
    return _parse(text, front_matter=False)


def _blocks(lines: list[str], first: int, end: int) -> dict[str, tuple[int, int]]:
    """Each top-level key → (its line, the line after its block)."""
    found: dict[str, tuple[int, int]] = {}
    current: str | None = None
    for index in range(first, end):
        line = lines[index]
        match = re.match(r"^([A-Za-z0-9_][A-Za-z0-9_-]*)\s*:", line)
        if match:
            current = match.group(1)
            found[current] = (index, index + 1)
        elif current and (not line.strip() or line[0] in " \t-#"):
            start, _ = found[current]
            found[current] = (start, index + 1)
        else:
            current = None
    # Blank lines ending a block belong to what follows (they separate, they are not the value).
    for key, (start, stop) in found.items():
        while stop - 1 > start and not lines[stop - 1].strip():
            stop -= 1
        found[key] = (start, stop)
    return found


def key_at_line(text: str, number: int, front_matter: bool) -> str | None:
    """The top-level key whose block holds line `number` (1-based), or None."""
    lines = text.split("\n")
    try:
        first, end = _region(lines, front_matter)
    except SettingsError:
        return None
    for key, (start, stop) in _blocks(lines, first, end).items():
        if start <= number - 1 < stop:
            return key
    return None


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML quoted scalar
    raise TypeError(type(value))


def _render(key: str, value: Any) -> str:
    if isinstance(value, dict):  # teaches: section id → step numbers, one flow line
        pairs = [
            f"{k if _PLAIN_KEY.match(str(k)) else _scalar(str(k))}: "
            f"[{', '.join(_scalar(n) for n in steps)}]"
            for k, steps in value.items()
        ]
        return f"{key}: {{{', '.join(pairs)}}}"
    return f"{key}: {_scalar(value)}"


def _same(old: Any, new: Any) -> bool:
    # True == 1 in Python, not in a content file: the types must match too.
    return type(old) is type(new) and old == new


def write(text: str, values: dict[str, Any], front_matter: bool, before: str | None = None) -> str:
    """The file with these top-level keys set (None: removed); unchanged keys keep their bytes.

    A new key goes at the end of the front matter, or before the key `before` of a quiz.
    """
    current = _parse(text, front_matter)
    lines = text.split("\n")
    for key, value in values.items():
        if (value is None and key not in current) or (
            key in current and _same(current[key], value)
        ):
            continue
        first, end = _region(lines, front_matter)
        blocks = _blocks(lines, first, end)
        new = [] if value is None else [_render(key, value)]
        if key in blocks:
            start, stop = blocks[key]
            lines[start:stop] = new
        else:
            at = blocks[before][0] if before in blocks else end
            lines[at:at] = new
    return "\n".join(lines)


def write_module(text: str, values: dict[str, Any]) -> str:
    """A module file with its front matter set (see `write`)."""
    return write(text, values, front_matter=True)


def write_quiz(text: str, values: dict[str, Any]) -> str:
    """A quiz file with its top-level settings set; a new one goes above the questions."""
    return write(text, values, front_matter=False, before="questions")


def teaches_text(value: Any) -> str:
    """`teaches:` as form text: one `section-id: 1, 2` line per section."""
    if not isinstance(value, dict):
        return ""
    return "\n".join(
        f"{section}: {', '.join(str(n) for n in steps) if isinstance(steps, list) else steps}"
        for section, steps in value.items()
    )


def parse_teaches(text: str) -> dict[str, list[int]] | None:
    """Form text → `teaches:` (None when empty); ValueError names the first unreadable line."""
    found: dict[str, list[int]] = {}
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            continue
        match = _TEACHES_LINE.match(line)
        if not match:
            raise ValueError(line.strip())
        numbers = [part.strip() for part in match.group(2).split(",") if part.strip()]
        if not all(n.isdigit() for n in numbers):
            raise ValueError(line.strip())
        found[match.group(1)] = [int(n) for n in numbers]
    return found or None


_QUIZ_FIELD = re.compile(r"^line \d+: ([a-z_]+)")
_MISSING_KEY = re.compile(r"front-matter key '([a-z_]+)'")


def module_field(error: ContentError, text: str) -> str | None:
    """The settings field an error of a module file belongs to (None: not a setting)."""
    key: str | None = None
    match = re.match(r"^line (\d+)$", error.where)
    if match:
        key = key_at_line(text, int(match.group(1)), front_matter=True)
    elif error.where in MODULE_TEXT_KEYS + MODULE_SHARED_KEYS:
        key = error.where
    elif (missing := _MISSING_KEY.search(error.message)) is not None:
        key = missing.group(1)
    if key in MODULE_TEXT_KEYS:
        locale = error.file.rsplit(".", 2)[-2]
        return f"{key}_{locale}"
    return key if key in MODULE_SHARED_KEYS else None


def quiz_field(error: ContentError) -> str | None:
    """The settings field an error of a quiz file belongs to (None: a question, or the file)."""
    if error.where == "cues":  # the pass mark is what a blind guess must not reach
        return "pass_mark"
    match = _QUIZ_FIELD.match(error.where)
    return QUIZ_FIELDS.get(match.group(1)) if match else None


def is_retired(text: str | None) -> bool:
    """True when a module file's front matter says `retired: true`."""
    try:
        return module_values(text or "").get("retired") is True
    except SettingsError:
        return False


def retirement_changes(before: dict[str, str], after: dict[str, str]) -> tuple[set[str], set[str]]:
    """(slugs retired, slugs restored) by replacing module files `before` with `after`."""
    retired: set[str] = set()
    restored: set[str] = set()
    for path, text in after.items():
        if not path.startswith("content/modules/"):
            continue
        was, now = is_retired(before.get(path)), is_retired(text)
        if was != now:
            slug = path.rsplit("/", 1)[-1].split(".", 1)[0]
            (retired if now else restored).add(slug)
    return retired, restored
