"""The admin's map of the current policy: each section → the steps teaching it → the questions."""

from __future__ import annotations

from dataclasses import dataclass

from app.core import typography
from app.learn.content import catalog, guards


@dataclass(frozen=True)
class CoverageRow:
    """One policy section with links to its steps and the prompts of its questions."""

    section: str
    title: str
    steps: tuple[tuple[str, str, int, str], ...]  # module title, step title, number, slug
    questions: tuple[tuple[str, str], ...]  # module title, question prompt

    @property
    def complete(self) -> bool:
        return bool(self.steps) and bool(self.questions)


@dataclass(frozen=True)
class CoverageMap:
    """The map for the newest policy version in CONTENT_DIR/policy."""

    version: int
    rows: tuple[CoverageRow, ...]

    @property
    def gaps(self) -> int:
        return sum(not row.complete for row in self.rows)


def coverage_map(locale: str, variables: dict[str, str]) -> CoverageMap | None:
    """None when content/policy has no version with section ids."""
    loaded = catalog.catalog(strict=False)
    policy = loaded.policy
    if policy is None or not policy.ids:
        return None
    modules = {m.slug: m for m in loaded.modules}

    def text(value: str) -> str:
        return typography.for_locale(catalog.fill(value, variables), locale)

    prompts = {
        (m.slug, q["id"]): catalog.localised(q["prompt"], locale, variables)
        for m in loaded.modules
        for q in m.quiz.definition["questions"]
    }
    rows = []
    for row in guards.coverage(policy, loaded.modules):
        steps = tuple(
            (
                text(modules[slug].text(locale).title),
                text(modules[slug].text(locale).steps[number - 1].title),
                number,
                slug,
            )
            for slug, number in row.steps
        )
        questions = tuple(
            (
                text(modules[slug].text(locale).title),
                typography.for_locale(prompts[(slug, qid)], locale),
            )
            for slug, qid in row.questions
        )
        rows.append(
            CoverageRow(row.section, text(policy.title(row.section, locale)), steps, questions)
        )
    return CoverageMap(policy.version, tuple(rows))
