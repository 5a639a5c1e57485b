"""What a module step shows: its Markdown rendered, and its practice blocks as small forms."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.core import settings, typography
from app.learn.content import catalog
from app.learn.content.practice import split_body
from app.learn.content.types import Module, Step
from app.web import fragments


@dataclass(frozen=True)
class PracticeView:
    """A "what would you do?" block; `picked` and its feedback once the learner has answered."""

    id: str
    prompt: str
    choices: tuple[str, ...]
    picked: int | None = None
    feedback: str = ""
    right: bool = False
    missing: bool = False  # submitted without a choice


@dataclass(frozen=True)
class StepPart:
    """Either rendered Markdown (`html`) or a practice block (`practice`)."""

    html: Markup | None = None
    practice: PracticeView | None = None


def step_parts(
    step: Step,
    locale: str,
    variables: dict[str, str],
    images: dict[str, str],
    answer: tuple[str, int | None] | None = None,
) -> list[StepPart]:
    """The step body in order; `answer` is (practice id, choice index or None) just posted."""
    parts = []

    def text(value: str) -> str:
        return typography.for_locale(catalog.fill(value, variables), locale)

    for kind, value in split_body(step.body):
        if kind == "markdown":
            parts.append(StepPart(html=catalog.render_markdown(value, variables, images, locale)))
            continue
        practice = step.practice(value)
        if practice is None:
            continue
        view = PracticeView(
            practice.id, text(practice.prompt), tuple(text(c.text) for c in practice.choices)
        )
        if answer and answer[0] == practice.id:
            index = answer[1]
            if index is None or not 0 <= index < len(practice.choices):
                view = PracticeView(view.id, view.prompt, view.choices, missing=True)
            else:
                chosen = practice.choices[index]
                view = PracticeView(
                    view.id, view.prompt, view.choices, index, text(chosen.feedback), chosen.correct
                )
        parts.append(StepPart(practice=view))
    return parts


def step_body(
    module: Module,
    step: Step,
    number: int,
    locale: str,
    fill_key: tuple,
    answer: tuple[str, int | None] | None = None,
) -> Markup:
    """The step's content under the page header (`learn/_step_body.html`).

    It is the same for everyone who opens this step in this language and was most of the page's
    template work, so it is drawn once per process and kept (app/web/fragments.py), keyed as the
    step's Markdown is: the module's content, the organisation's values (`fill_key`, which names
    the language), the image versions and the mount point. A page with a practice answer just
    posted is personal and drawn afresh.
    """
    images = catalog.catalog().images
    variables = settings.organisation_variables()

    def render(csrf: str) -> str:
        return render_template(
            "learn/_step_body.html",
            module=module,
            text=module.text(locale),
            step=step,
            number=number,
            parts=step_parts(step, locale, variables, images, answer),
            csrf=csrf,
        )

    if answer is not None:
        return Markup(render(generate_csrf()))  # noqa: S704  # nosec B704 - autoescaped template
    key = (
        module.slug,
        module.content_hash,
        number,
        fill_key,
        tuple(sorted(images.items())),
        request.script_root,
    )
    return fragments.kept("step_body", key, lambda: render(fragments.CSRF_PLACEHOLDER))
