"""One quiz question as form fields and back into the quiz file (YAML), with errors by field.

The quiz file stays the source: the form edits `questions[i]` of the parsed file and the whole
file is written again with yaml.safe_dump (keys in the usual order, UTF-8 text kept as is). A
file that no longer parses is edited as text instead (app/learn/authoring/routes.py).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from app.learn.content.types import LOCALES, ContentError

TEXT_FIELDS = ("prompt", "scenario", "explanation")
QUESTION_ORDER = (
    "id", "type", "scoring", "sections", "scenario", "prompt", "choices", "correct", "explanation",
)  # fmt: skip
_FIELD_RE = re.compile(
    r"questions\[(\d+)\](?:\.([a-z_]+))?(?:\[\d+\])?(?:\.([a-z_]+))?(?:\.(fr|en))?"
)


class QuizFileError(ValueError):
    """The quiz file is not a mapping with a list of questions (edit it as text)."""


def parse(text: str) -> dict[str, Any]:
    """The quiz file as data; QuizFileError when it cannot be edited field by field."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise QuizFileError("not valid YAML") from exc
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise QuizFileError("not a quiz with a list of questions")
    return data


def dump(data: dict[str, Any]) -> str:
    """The quiz as YAML text, questions' keys in the usual order."""
    ordered = dict(data)
    questions = []
    for q in data.get("questions") or []:
        if isinstance(q, dict):
            known = {k: q[k] for k in QUESTION_ORDER if k in q}
            q = {**known, **{k: v for k, v in q.items() if k not in known}}
        questions.append(q)
    ordered["questions"] = questions
    return yaml.safe_dump(ordered, allow_unicode=True, sort_keys=False, width=100)


def _locale_text(value: Any, locale: str) -> str:
    return str(value.get(locale) or "") if isinstance(value, dict) else ""


def to_form(question: dict[str, Any]) -> dict[str, str]:
    """Form data for one question: texts per locale, choices one per line as `id | fr | en`."""
    data = {
        "qid": str(question.get("id") or ""),
        "kind": str(question.get("type") or "single"),
        "scoring": str(question.get("scoring") or ""),
        "sections": ", ".join(str(s) for s in question.get("sections") or []),
        "correct": ", ".join(str(c) for c in question.get("correct") or []),
    }
    for name in TEXT_FIELDS:
        for locale in LOCALES:
            data[f"{name}_{locale}"] = _locale_text(question.get(name), locale)
    lines = []
    for choice in question.get("choices") or []:
        if isinstance(choice, dict):
            texts = [_locale_text(choice.get("text"), loc) for loc in LOCALES]
            lines.append(" | ".join([str(choice.get("id") or ""), *texts]))
    data["choices"] = "\n".join(lines)
    return data


def _texts(form: dict[str, str], name: str) -> dict[str, str]:
    # A locale left empty is left out: the quiz check then says which text is missing.
    return {
        loc: form[f"{name}_{loc}"].strip()
        for loc in LOCALES
        if form.get(f"{name}_{loc}", "").strip()
    }


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def from_form(form: dict[str, str]) -> dict[str, Any]:
    """One question from form data (the inverse of to_form); the quiz check judges it."""
    question: dict[str, Any] = {"id": form.get("qid", "").strip(), "type": form.get("kind", "")}
    if form.get("scoring"):
        question["scoring"] = form["scoring"]
    if _split(form.get("sections", "")):
        question["sections"] = _split(form["sections"])
    if form.get("kind") == "scenario" or _texts(form, "scenario"):
        question["scenario"] = _texts(form, "scenario")
    question["prompt"] = _texts(form, "prompt")
    choices = []
    for line in form.get("choices", "").replace("\r\n", "\n").split("\n"):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        parts += [""] * (1 + len(LOCALES) - len(parts))
        text = {loc: parts[1 + i] for i, loc in enumerate(LOCALES) if parts[1 + i]}
        choices.append({"id": parts[0], "text": text})
    question["choices"] = choices
    question["correct"] = _split(form.get("correct", ""))
    question["explanation"] = _texts(form, "explanation")
    return question


def replace(text: str, index: int | None, question: dict[str, Any]) -> str:
    """The quiz file with question `index` replaced (None: appended)."""
    data = parse(text)
    questions = data["questions"]
    if index is None:
        questions.append(question)
    else:
        questions[index] = question
    return dump(data)


def field_of(error: ContentError, index: int) -> str | None:
    """The form field an error of questions[index] belongs to (None: another question)."""
    match = _FIELD_RE.search(error.where)
    if not match or int(match.group(1)) != index:
        return None
    key, sub, locale = match.group(2), match.group(3), match.group(4)
    if key in TEXT_FIELDS:
        if locale is None:
            locale = "en" if "the en text" in error.message else "fr"
        return f"{key}_{locale}"
    if key == "id":
        return "qid"
    if key == "type":
        return "kind"
    if key in ("choices", "correct", "scoring", "sections"):
        return key
    return "" if sub is None else "choices"
