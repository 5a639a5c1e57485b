"""Practice blocks ("what would you do?"): fenced ```practice YAML inside a module step."""

from __future__ import annotations

import re
from typing import Any

import yaml

from app.core import yaml_text
from app.learn.content.types import SECTION_ID_RE, Practice, PracticeChoice

FENCE_RE = re.compile(r"^```practice[ \t]*\n(?P<yaml>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
PRACTICE_KEYS = {"id", "prompt", "choices"}
CHOICE_KEYS = {"text", "correct", "feedback"}


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _parse_one(source: str, where: str, add) -> Practice | None:
    try:
        data = yaml_text.safe_load(source)
    except yaml.YAMLError as exc:
        add(where, f"practice block is not valid YAML ({exc.__class__.__name__})")
        return None
    if not isinstance(data, dict):
        add(where, "a practice block is a mapping with id, prompt and choices")
        return None
    problems = []
    for key in data:
        if key not in PRACTICE_KEYS:
            problems.append(f"unknown key '{key}'")
    pid = data.get("id")
    if not isinstance(pid, str) or not SECTION_ID_RE.match(pid):
        problems.append("'id' must be lowercase-with-dashes")
    if not _text(data.get("prompt")):
        problems.append("'prompt' is missing")
    choices = data.get("choices")
    parsed: list[PracticeChoice] = []
    if not isinstance(choices, list) or len(choices) < 2:
        problems.append("a practice block needs at least two choices")
        choices = []
    for number, choice in enumerate(choices, start=1):
        if not isinstance(choice, dict):
            problems.append(f"choice {number} is a mapping with text, correct and feedback")
            continue
        unknown = [k for k in choice if k not in CHOICE_KEYS]
        if unknown:
            problems.append(f"choice {number}: unknown key '{unknown[0]}'")
        if not _text(choice.get("text")):
            problems.append(f"choice {number}: 'text' is missing")
        if not isinstance(choice.get("correct"), bool):
            problems.append(f"choice {number}: 'correct' must be true or false")
        if not _text(choice.get("feedback")):
            problems.append(f"choice {number}: 'feedback' is missing")
        parsed.append(
            PracticeChoice(
                str(choice.get("text") or ""),
                choice.get("correct") is True,
                str(choice.get("feedback") or ""),
            )
        )
    if parsed and not any(c.correct for c in parsed):
        problems.append("at least one choice must be correct")
    for problem in problems:
        add(where, f"practice '{pid}': {problem}" if isinstance(pid, str) else problem)
    if problems:
        return None
    return Practice(str(pid), str(data["prompt"]), tuple(parsed))


def parse_practices(body: str, first_line: int, add) -> tuple[Practice, ...]:
    """Every valid practice block of a step body (errors reported with their line)."""
    found = []
    for match in FENCE_RE.finditer(body):
        line = first_line + 1 + body.count("\n", 0, match.start())
        practice = _parse_one(match.group("yaml"), f"line {line}", add)
        if practice:
            found.append(practice)
    return tuple(found)


def split_body(body: str) -> list[tuple[str, str]]:
    """The body as ("markdown", text) and ("practice", id) parts, in order."""
    parts: list[tuple[str, str]] = []
    position = 0
    for match in FENCE_RE.finditer(body):
        if body[position : match.start()].strip():
            parts.append(("markdown", body[position : match.start()]))
        try:
            data = yaml_text.safe_load(match.group("yaml"))
        except yaml.YAMLError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            parts.append(("practice", data["id"]))
        position = match.end()
    if body[position:].strip():
        parts.append(("markdown", body[position:]))
    return parts


def words_of(practice: Practice) -> str:
    """What a learner reads in a practice block: prompt, choices and one feedback."""
    longest = max((c.feedback for c in practice.choices), key=len, default="")
    return " ".join([practice.prompt, *(c.text for c in practice.choices), longest])
