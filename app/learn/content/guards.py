"""The guards of `flask content check` beyond file validity (no Flask, no database).

- coverage: every section of the current policy is taught (a module's `teaches:`) or tested
  (a question's `sections:`); unknown section ids are errors;
- contradictions: module text and quiz keys never say what a policy rule forbids, and the steps
  that teach a rule's section say what it requires (content/policy/rules.yaml);
- cues: no cue-only strategy reaches a quiz's pass mark (app.learn.content.cues);
- minutes: reading time plus about 20 s per drawn question stays within 1.5 × the declared
  minutes.
Errors make the check fail; notes are printed for information.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.core import yaml_text
from app.learn.content.cues import CueReport, simulate
from app.learn.content.practice import FENCE_RE, words_of
from app.learn.content.types import LOCALES, ContentError, Module, PolicyOutline

WORDS_PER_MINUTE = {"fr": 200, "en": 230}
SECONDS_PER_QUESTION = 20
MINUTES_TOLERANCE = 1.5
RULES_FILE = "rules.yaml"
WORD_RE = re.compile(r"[\w’'-]+")
SENTENCE_RE = re.compile(r"[^.;!?\n]+")
NEGATION = {
    "fr": r"\b(ne|n['’]|jamais|aucun|aucune|pas|sans|ni)\b",
    "en": r"\b(never|not|no|don['’]t|do not|without|nor|cannot|mustn['’]t)\b",
}


@dataclass
class GuardResult:
    """Everything the guards found, plus per-quiz and per-module measurements to print."""

    errors: list[ContentError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cues: dict[str, CueReport] = field(default_factory=dict)
    minutes: dict[str, tuple[int, float]] = field(default_factory=dict)  # declared, estimated


@dataclass(frozen=True)
class Coverage:
    """One policy section with the steps that teach it and the questions that test it."""

    section: str
    steps: tuple[tuple[str, int], ...]  # (module slug, step number)
    questions: tuple[tuple[str, str], ...]  # (module slug, question id)

    @property
    def complete(self) -> bool:
        return bool(self.steps) and bool(self.questions)


def coverage(policy: PolicyOutline, modules: Iterable[Module]) -> list[Coverage]:
    """The map policy section → steps → questions, in the policy's order."""
    modules = list(modules)
    rows = []
    for section in policy.ids:
        steps = tuple(
            (m.slug, n) for m in modules for n in m.teaches.get(section, ()) if n <= m.step_count
        )
        questions = tuple(
            (m.slug, q["id"])
            for m in modules
            for q in m.quiz.definition["questions"]
            if section in (q.get("sections") or ())
        )
        rows.append(Coverage(section, steps, questions))
    return rows


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'").replace("\u202f", " ").replace("\xa0", " "))


def step_words(module: Module, locale: str) -> int:
    """Words a learner reads in the module's steps in that locale (practice blocks included)."""
    count = 0
    for step in module.text(locale).steps:
        count += len(WORD_RE.findall(step.title))
        count += len(WORD_RE.findall(FENCE_RE.sub("", step.body)))
        count += sum(len(WORD_RE.findall(words_of(p))) for p in step.practices)
    return count


def estimated_minutes(module: Module, locale: str) -> float:
    """Reading time at WORDS_PER_MINUTE plus SECONDS_PER_QUESTION per question drawn."""
    reading = step_words(module, locale) / WORDS_PER_MINUTE.get(locale, 200)
    return reading + module.quiz.drawn_count * SECONDS_PER_QUESTION / 60


def _module_file(module: Module, locale: str) -> str:
    return f"modules/{module.slug}.{locale}.md"


def _check_coverage(policy: PolicyOutline, modules: list[Module], result: GuardResult) -> None:
    where = f"policy/{policy.file}"
    if not policy.ids:
        result.errors.append(
            ContentError(
                where,
                "sections",
                f"policy version {policy.version} has no 'sections:' ids: "
                "coverage cannot be checked",
            )
        )
        return
    known = set(policy.ids)
    for module in modules:
        for section in module.teaches:
            if section not in known:
                result.errors.append(
                    ContentError(
                        _module_file(module, "fr"),
                        "teaches",
                        f"'{section}' is not a section of policy version {policy.version}",
                    )
                )
        for q in module.quiz.definition["questions"]:
            for section in q.get("sections") or ():
                if section not in known:
                    result.errors.append(
                        ContentError(
                            f"quizzes/{module.slug}.yaml",
                            f"{q['id']}.sections",
                            f"'{section}' is not a section of policy version {policy.version}",
                        )
                    )
    for row in coverage(policy, modules):
        if not row.steps and not row.questions:
            result.errors.append(
                ContentError(
                    where,
                    f"section '{row.section}'",
                    "no module step teaches it and no quiz question tests it",
                )
            )
        elif not row.steps:
            result.notes.append(f"policy section '{row.section}' is tested but taught by no step")
        elif not row.questions:
            result.notes.append(
                f"policy section '{row.section}' is taught but tested by no question"
            )


def load_rules(policy_dir: Path) -> tuple[list[dict[str, Any]], list[ContentError]]:
    """The policy rules of policy/rules.yaml (none when the file is absent)."""
    path = policy_dir / RULES_FILE
    if not path.is_file():
        return [], []
    where = f"policy/{RULES_FILE}"
    try:
        data = yaml_text.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        return [], [ContentError(where, "line 1", "not valid YAML")]
    rules = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(rules, list):
        return [], [ContentError(where, "rules", "'rules' is a list of rules")]
    problems = []
    good = []
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict) or not isinstance(rule.get("id"), str):
            problems.append(ContentError(where, f"rules[{index}]", "a rule needs an 'id'"))
            continue
        try:
            for key in ("forbidden", "must_say"):
                for patterns in (rule.get(key) or {}).values():
                    for pattern in patterns:
                        re.compile(pattern)
        except (re.error, AttributeError, TypeError):
            problems.append(ContentError(where, rule["id"], "a pattern is not a valid regex"))
            continue
        good.append(rule)
    return good, problems


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_RE.findall(_normalise(text)) if s.strip()]


def _says(text: str, pattern: str, locale: str) -> str | None:
    """The first sentence saying `pattern` without a negation, or None."""
    for sentence in _sentences(text):
        if re.search(pattern, sentence, re.IGNORECASE) and not re.search(
            NEGATION.get(locale, NEGATION["en"]), sentence, re.IGNORECASE
        ):
            return sentence
    return None


def _quiz_keys(module: Module, locale: str) -> list[tuple[str, str]]:
    found = []
    for q in module.quiz.definition["questions"]:
        for choice in q["choices"]:
            if choice["id"] in q["correct"]:
                found.append((q["id"], str(choice["text"].get(locale, ""))))
    return found


def _check_rules(
    rules: list[dict[str, Any]], policy: PolicyOutline, modules: list[Module], result: GuardResult
) -> None:
    for rule in rules:
        since = rule.get("since", 1)
        section = rule.get("section")
        if policy.version < since or (section and policy.ids and section not in policy.ids):
            continue
        for locale, patterns in (rule.get("forbidden") or {}).items():
            for module in modules:
                for number, step in enumerate(module.text(locale).steps, start=1):
                    for pattern in patterns:
                        said = _says(step.body, pattern, locale)
                        if said:
                            result.errors.append(
                                ContentError(
                                    _module_file(module, locale),
                                    f"line {step.line} (step {number})",
                                    f"contradicts policy rule '{rule['id']}': «{said}»",
                                )
                            )
                for qid, text in _quiz_keys(module, locale):
                    for pattern in patterns:
                        said = _says(text, pattern, locale)
                        if said:
                            result.errors.append(
                                ContentError(
                                    f"quizzes/{module.slug}.yaml",
                                    f"{qid} ({locale})",
                                    f"a correct answer contradicts policy rule '{rule['id']}': "
                                    f"«{said}»",
                                )
                            )
        if not section:
            continue
        teaching = [m for m in modules if section in m.teaches]
        for locale, patterns in (rule.get("must_say") or {}).items():
            if not teaching:
                continue
            text = " ".join(
                m.text(locale).steps[n - 1].body
                for m in teaching
                for n in m.teaches[section]
                if n <= m.step_count
            )
            for pattern in patterns:
                if not re.search(pattern, _normalise(text), re.IGNORECASE):
                    result.errors.append(
                        ContentError(
                            _module_file(teaching[0], locale),
                            f"teaches {section}",
                            f"policy rule '{rule['id']}' is not taught: no step teaching "
                            f"'{section}' says /{pattern}/",
                        )
                    )


def run(
    modules: Iterable[Module], policy: PolicyOutline | None, policy_dir: Path | None
) -> GuardResult:
    """Run every guard on a valid catalog's modules against the current policy outline."""
    modules = list(modules)
    result = GuardResult()
    if policy is not None:
        _check_coverage(policy, modules, result)
        rules, problems = load_rules(policy_dir) if policy_dir else ([], [])
        result.errors.extend(problems)
        _check_rules(rules, policy, modules, result)
    for module in modules:
        report = simulate(module.quiz.definition)
        result.cues[module.slug] = report
        name, score = report.best
        if report.passes:
            result.errors.append(
                ContentError(
                    f"quizzes/{module.slug}.yaml",
                    "cues",
                    f"a learner who reads nothing scores {score:g} % with '{name}' "
                    f"(pass mark {report.pass_mark} %)",
                )
            )
        estimate = max(estimated_minutes(module, locale) for locale in LOCALES)
        result.minutes[module.slug] = (module.minutes, estimate)
        if estimate > MINUTES_TOLERANCE * module.minutes:
            result.errors.append(
                ContentError(
                    _module_file(module, "fr"),
                    "minutes",
                    f"takes about {estimate:.1f} min (reading + quiz) but declares "
                    f"{module.minutes}: more than {MINUTES_TOLERANCE:g} ×",
                )
            )
    return result
