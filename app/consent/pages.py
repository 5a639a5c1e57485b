"""What the consent pages show, gathered in a bounded number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from app.consent import decisions
from app.consent import texts as consent_texts
from app.models.consent import ConsentEvent, ConsentPurpose, ConsentText
from app.models.user import User


@dataclass(frozen=True)
class MediumChoice:
    """One medium of one purpose: the person's state and what they may do."""

    medium: str
    state: decisions.ConsentState


@dataclass(frozen=True)
class PurposeView:
    """One purpose on "My image" (or on HR's page for one person)."""

    purpose: ConsentPurpose
    text: ConsentText
    html: Markup
    choices: list[MediumChoice]
    max_until: date


@dataclass(frozen=True)
class Overview:
    """Everything "My image" shows for one person."""

    purposes: list[PurposeView]
    history: list[ConsentEvent]
    titles: dict[int, str]


def overview(user: User, locale: str, today: date, *, active_only: bool = True) -> Overview:
    """The purposes with their current texts and states, and the person's full history."""
    texts = consent_texts.current_texts(locale)
    states = decisions.states_for([user.id], today)
    views = []
    for purpose in consent_texts.purposes(active_only=active_only):
        text = texts.get(purpose.id)
        if text is None:
            continue
        views.append(
            PurposeView(
                purpose=purpose,
                text=text,
                html=consent_texts.render_html(text.markdown, text.locale),
                choices=[
                    MediumChoice(m, states.get((user.id, purpose.id, m), decisions.NEVER_ASKED))
                    for m in purpose.media_list
                ],
                max_until=decisions.max_until(purpose, today),
            )
        )
    return Overview(
        purposes=views,
        history=decisions.history(user.id),
        titles={pid: t.title for pid, t in texts.items()},
    )
