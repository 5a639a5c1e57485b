"""What the consent pages show, gathered in a bounded number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from app.consent import decisions
from app.consent import texts as consent_texts
from app.core import process_cache
from app.models.consent import ConsentEvent
from app.models.user import User
from app.web import fragments


@dataclass(frozen=True)
class PurposeShown:
    """What a page shows of a purpose (plain values, kept per process; see `_shown`)."""

    id: int
    slug: str
    media_list: tuple[str, ...]
    default_duration_months: int


@dataclass(frozen=True)
class TextShown:
    """What a page shows of a purpose's current text."""

    id: int
    purpose_id: int
    version: int
    locale: str
    title: str
    sha256: str


@dataclass(frozen=True)
class MediumChoice:
    """One medium of one purpose: the person's state and what they may do."""

    medium: str
    state: decisions.ConsentState


@dataclass(frozen=True)
class PurposeView:
    """One purpose on "My image" (or on HR's page for one person)."""

    purpose: PurposeShown
    text: TextShown
    html: Markup
    choices: list[MediumChoice]
    max_until: date


@dataclass(frozen=True)
class Overview:
    """Everything "My image" shows for one person."""

    purposes: list[PurposeView]
    history: list[ConsentEvent]
    titles: dict[int, str]


def _shown(locale: str, active_only: bool) -> tuple[tuple[PurposeShown, TextShown, Markup], ...]:
    """The purposes in display order with their current text in this language and its HTML.

    The same for everyone and changed only by an administrator: kept per process for a few
    seconds (app/core/process_cache.py), dropped at once when this process changes a purpose
    or publishes a text."""

    def load() -> tuple[tuple[PurposeShown, TextShown, Markup], ...]:
        texts = consent_texts.current_texts(locale)
        shown = []
        for purpose in consent_texts.purposes(active_only=active_only):
            text = texts.get(purpose.id)
            if text is None:
                continue
            shown.append(
                (
                    PurposeShown(
                        purpose.id,
                        purpose.slug,
                        tuple(purpose.media_list),
                        purpose.default_duration_months,
                    ),
                    TextShown(
                        text.id, text.purpose_id, text.version, text.locale, text.title, text.sha256
                    ),  # fmt: skip
                    consent_texts.render_html(text.markdown, text.locale),
                )
            )
        return tuple(shown)

    return process_cache.cached(
        f"consent_purposes_shown:{locale}:{active_only}", ["consent_purpose", "consent_text"], load
    )


def overview(user: User, locale: str, today: date, *, active_only: bool = True) -> Overview:
    """The purposes with their current texts and states, and the person's full history."""
    shown = _shown(locale, active_only)
    history = decisions.history(user.id)
    states = decisions.states_of_person(user.id, history, today)
    views = [
        PurposeView(
            purpose=purpose,
            text=text,
            html=html,
            choices=[
                MediumChoice(m, states.get((user.id, purpose.id, m), decisions.NEVER_ASKED))
                for m in purpose.media_list
            ],
            max_until=decisions.max_until(purpose, today),
        )
        for purpose, text, html in shown
    ]
    # Titles of every purpose a decision in the history names (inactive ones included).
    titles = {text.purpose_id: text.title for _, text, _ in _shown(locale, False)}
    return Overview(purposes=views, history=history, titles=titles)


def _state_key(state: decisions.ConsentState) -> tuple:
    """Everything consent/_state.html shows of a state."""
    event = state.event
    return (
        state.status,
        state.verified,
        state.valid_until,
        state.since,
        event.text_version if event is not None else None,
        bool(event.on_behalf) if event is not None else None,
    )


def purpose_section(item: PurposeView, today: date) -> Markup:
    """One purpose on "My image" (consent/_purpose.html), drawn once per process for each
    text, language, day and combination of states, and kept (app/web/fragments.py): many
    people share each combination, and these sections were most of the page's work."""
    key = (
        item.purpose,
        item.text,
        item.max_until,
        today,
        str(get_locale()),
        request.script_root,
        tuple((choice.medium, _state_key(choice.state)) for choice in item.choices),
    )
    return fragments.kept(
        "consent_purpose",
        key,
        lambda: render_template(
            "consent/_purpose.html",
            item=item,
            view_today=today.isoformat(),
            csrf_placeholder=fragments.CSRF_PLACEHOLDER,
        ),
    )
