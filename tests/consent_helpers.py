"""Helpers shared by the consent tests: import the purposes, record decisions at a given time."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from app.consent import decisions, texts
from app.core.client import ClientInfo
from app.extensions import db
from app.models.consent import ConsentPurpose

CLIENT = ClientInfo(ip="10.0.0.7", user_agent="pytest-browser")


def at(day: date, hour: int = 10) -> datetime:
    """A UTC instant on that day (the injected clock)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def purpose(slug: str) -> ConsentPurpose:
    return db.session.scalar(select(ConsentPurpose).where(ConsentPurpose.slug == slug))


def decide(
    user, slug, medium, decision, *, actor=None, when=None, until=None, paper="", locale="en"
):
    """Record a decision through the service at an injected time."""
    p = purpose(slug)
    text = texts.current_texts(locale)[p.id]
    return decisions.record_decision(
        decisions.Decision(
            user=user,
            purpose=p,
            medium=medium,
            decision=decision,
            text=text,
            valid_until=until,
            paper_reference=paper,
        ),
        actor=actor or user,
        client=CLIENT,
        now=when,
    )


def state(user, slug, medium, today):
    p = purpose(slug)
    return decisions.states_for([user.id], today).get(
        (user.id, p.id, medium), decisions.NEVER_ASKED
    )
