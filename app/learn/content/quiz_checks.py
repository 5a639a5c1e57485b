"""Validate quiz YAML files (schema, locales, answer keys, pass mark) with line numbers."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from app.core import yaml_text
from app.learn.content.types import (
    LOCALES,
    PLACEHOLDER_RE,
    QUESTION_TYPES,
    SCORING_MODES,
    SECTION_ID_RE,
    VARIABLES,
    Quiz,
)

MIN_QUESTIONS = 6
QUIZ_KEYS = {"module", "version", "pass_mark", "questions", "draw"}
QUESTION_KEYS = {
    "id", "type", "prompt", "choices", "correct", "explanation", "scoring", "scenario", "sections",
}  # fmt: skip
CHOICE_KEYS = {"id", "text"}


def _line_map(node: yaml.Node, path: str = "", out: dict[str, int] | None = None) -> dict[str, int]:
    """Map field paths like 'questions[2].correct' to the line where they start."""
    out = {} if out is None else out
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = f"{path}.{key.value}" if path else str(key.value)
            out[child] = key.start_mark.line + 1
            _line_map(value, child, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            _line_map(value, f"{path}[{index}]", out)
    return out


class QuizChecker:
    """Load every quiz of QUIZZES_DIR, reporting each problem as 'line N: field: message'."""

    def __init__(self, quizzes_dir: Path, errors) -> None:
        self.dir = quizzes_dir
        self.errors = errors

    def load_all(self) -> dict[str, tuple[Quiz | None, Path]]:
        """Quizzes by module slug (None when the file is invalid) with their paths."""
        found: dict[str, tuple[Quiz | None, Path]] = {}
        if not self.dir.is_dir():
            self.errors.adder(self.dir)("folder", "the quizzes folder does not exist")
            return found
        for path in sorted(self.dir.iterdir()):
            if path.is_dir() or path.name.startswith("."):
                continue
            if path.suffix not in (".yaml", ".yml"):
                self.errors.adder(path)("file name", "quiz files are named <module slug>.yaml")
                continue
            found[path.stem] = (self._load(path), path)
        return found

    def _load(self, path: Path) -> Quiz | None:
        add_raw = self.errors.adder(path)
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
            node = yaml.compose(text)
            data = yaml_text.safe_load(text)
        except UnicodeDecodeError:
            add_raw("line 1", "the file is not UTF-8 text")
            return None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            add_raw(f"line {mark.line + 1 if mark else 1}", "not valid YAML")
            return None
        if not isinstance(data, dict):
            add_raw("line 1", "a quiz is a mapping with module, version, pass_mark, questions")
            return None
        lines = _line_map(node)
        problems: list[str] = []

        def report(field: str, message: str) -> None:
            probe = field
            while probe and probe not in lines:
                parent = probe.rsplit(".", 1)[0] if "." in probe else probe.rsplit("[", 1)[0]
                probe = "" if parent == probe else parent
            problems.append(message)
            add_raw(f"line {lines.get(probe, 1)}: {field}", message)

        self._check_quiz(data, path, report)
        if problems:
            return None
        return Quiz(
            module=data["module"],
            material_version=data["version"],
            pass_mark=data["pass_mark"],
            content_hash=hashlib.sha256(raw).hexdigest(),
            definition=_definition(data),
        )

    def _check_quiz(self, data: dict[str, Any], path: Path, report) -> None:
        for key in data:
            if key not in QUIZ_KEYS:
                report(str(key), f"unknown key '{key}'")
        if data.get("module") != path.stem:
            report("module", f"'module' must be '{path.stem}' (the file name)")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            report("version", "'version' must be a whole number of at least 1")
        mark = data.get("pass_mark")
        if not isinstance(mark, int) or isinstance(mark, bool) or not 1 <= mark <= 100:
            report("pass_mark", "'pass_mark' must be a whole number between 1 and 100 (percent)")
        questions = data.get("questions")
        if not isinstance(questions, list) or len(questions) < MIN_QUESTIONS:
            report("questions", f"a quiz needs at least {MIN_QUESTIONS} questions")
            questions = questions if isinstance(questions, list) else []
        ids: set[str] = set()
        for index, question in enumerate(questions):
            field = f"questions[{index}]"
            if not isinstance(question, dict):
                report(field, "a question is a mapping")
                continue
            qid = question.get("id")
            if not isinstance(qid, str) or not qid:
                report(f"{field}.id", "missing question id")
            elif qid in ids:
                report(f"{field}.id", f"question id '{qid}' is used twice")
            ids.add(str(qid))
            self._check_question(question, field, report)
        if "draw" in data:
            _check_draw(data["draw"], questions, report)

    def _check_question(self, q: dict[str, Any], field: str, report) -> None:
        for key in q:
            if key not in QUESTION_KEYS:
                report(f"{field}.{key}", f"unknown key '{key}'")
        if "sections" in q:
            sections = q["sections"]
            if (
                not isinstance(sections, list)
                or not sections
                or not all(isinstance(s, str) and SECTION_ID_RE.match(s) for s in sections)
            ):
                report(f"{field}.sections", "'sections' lists policy section ids, e.g. [scope]")
        kind = q.get("type")
        if kind not in QUESTION_TYPES:
            report(f"{field}.type", f"'type' must be one of {', '.join(QUESTION_TYPES)}")
        _localised(q.get("prompt"), f"{field}.prompt", report)
        _localised(q.get("explanation"), f"{field}.explanation", report)
        if kind == "scenario":
            _localised(q.get("scenario"), f"{field}.scenario", report)
        elif "scenario" in q:
            report(f"{field}.scenario", "'scenario' is only for scenario questions")
        if kind == "multiple" and q.get("scoring") not in SCORING_MODES:
            report(
                f"{field}.scoring", "multiple-choice 'scoring' must be partial or all_or_nothing"
            )
        elif kind != "multiple" and "scoring" in q:
            report(f"{field}.scoring", "'scoring' is only for multiple-choice questions")
        choices = q.get("choices")
        if not isinstance(choices, list) or len(choices) < 2:
            report(f"{field}.choices", "a question needs at least two choices")
            return
        choice_ids: list[str] = []
        for index, choice in enumerate(choices):
            cfield = f"{field}.choices[{index}]"
            if not isinstance(choice, dict):
                report(cfield, "a choice is a mapping with id and text")
                continue
            for key in choice:
                if key not in CHOICE_KEYS:
                    report(f"{cfield}.{key}", f"unknown key '{key}'")
            cid = choice.get("id")
            if not isinstance(cid, str) or not cid:
                report(f"{cfield}.id", 'a choice id must be text (quote "true" and "false")')
            elif cid in choice_ids:
                report(f"{cfield}.id", f"choice id '{cid}' is used twice")
            choice_ids.append(str(cid))
            _localised(choice.get("text"), f"{cfield}.text", report)
        if kind == "true_false" and sorted(choice_ids) != ["false", "true"]:
            report(f"{field}.choices", 'true/false choices must have the ids "true" and "false"')
        correct = q.get("correct")
        if not isinstance(correct, list) or not correct:
            report(f"{field}.correct", "'correct' must list the ids of the correct choices")
            return
        for answer in correct:
            if str(answer) not in choice_ids or not isinstance(answer, str):
                report(f"{field}.correct", f"'{answer}' is not one of the choice ids")
        if len(set(map(str, correct))) != len(correct):
            report(f"{field}.correct", "an answer is listed twice")
        if kind in ("single", "true_false", "scenario") and len(correct) != 1:
            report(f"{field}.correct", f"a {kind} question has exactly one correct choice")


def _check_draw(draw: Any, questions: list, report) -> None:
    """`draw`: a pool of at least twice the draw, and room in one draw for every section."""
    if not isinstance(draw, int) or isinstance(draw, bool) or draw < 1:
        report("draw", "'draw' must be a whole number of at least 1 (questions per attempt)")
        return
    if len(questions) < 2 * draw:
        report(
            "draw",
            f"the pool has {len(questions)} questions: drawing {draw} per attempt needs "
            f"at least {2 * draw}",
        )
    sections = {
        s
        for q in questions
        if isinstance(q, dict) and isinstance(q.get("sections"), list)
        for s in q["sections"]
        if isinstance(s, str)
    }
    if len(sections) > draw:
        report(
            "draw",
            f"the questions test {len(sections)} policy sections: a draw of {draw} "
            "cannot represent them all",
        )


def _localised(value: Any, field: str, report) -> None:
    if not isinstance(value, dict):
        report(field, f"must give the text in {' and '.join(LOCALES)}")
        return
    for locale in value:
        if locale not in LOCALES:
            report(f"{field}.{locale}", f"unknown locale '{locale}'")
    for locale in LOCALES:
        text = value.get(locale)
        if not isinstance(text, str) or not text.strip():
            report(field, f"the {locale} text is missing")
            continue
        for match in PLACEHOLDER_RE.finditer(text):
            if match.group(1) not in VARIABLES:
                report(f"{field}.{locale}", f"unknown variable {{{{ {match.group(1)} }}}}")


def _definition(data: dict[str, Any]) -> dict[str, Any]:
    """The JSON-ready form kept with every attempt: questions, answers and explanations."""
    questions = []
    for q in data["questions"]:
        questions.append(
            {
                "id": q["id"],
                "type": q["type"],
                "scoring": q.get("scoring"),
                "scenario": q.get("scenario"),
                "prompt": q["prompt"],
                "choices": [{"id": c["id"], "text": c["text"]} for c in q["choices"]],
                "correct": list(q["correct"]),
                "explanation": q["explanation"],
                **({"sections": list(q["sections"])} if q.get("sections") else {}),
            }
        )
    definition = {
        "module": data["module"],
        "version": data["version"],
        "pass_mark": data["pass_mark"],
        "questions": questions,
    }
    if data.get("draw"):
        definition["draw"] = data["draw"]
    return definition
