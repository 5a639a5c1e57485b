"""The demo people at different stages, recorded through the real services.

So that the product shows what it is for on the first sign-in: a new hire with ten days left,
someone late, someone about to be late, people who finished (modules, signature, image
consent), and someone who withdrew an image consent that HR must now review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.consent import decisions, texts
from app.core.client import ClientInfo
from app.extensions import db
from app.learn import player, progress
from app.models.consent import ConsentPurpose
from app.models.types import utcnow
from app.models.user import User
from app.policy import signing, versions

DEMO_CLIENT = ClientInfo(ip="192.0.2.10", user_agent="Mozilla/5.0 (demo data)", auth_method="demo")


@dataclass(frozen=True)
class Stage:
    """Where one demo person is: days since they started and what they did."""

    started_days_ago: int
    modules_done: int | None = 0  # None: every required module
    signs: bool = False
    grants: tuple[str, ...] = ()  # consent purposes granted (photo)
    withdraws: tuple[str, ...] = ()  # of those, withdrawn afterwards


ALL = None
STAGES: dict[str, Stage] = {
    "admin@example.com": Stage(400, ALL, signs=True),
    "rh@example.com": Stage(400, ALL, signs=True, grants=("internal-communication",)),
    # The new hire: the programme is due in 10 days (14-day deadline by default).
    "lea.martin@example.com": Stage(4),
    # Late: started 40 days ago, one module done, nothing signed.
    "karim.benali@example.com": Stage(40, 1),
    # Done: every module, the policy signed, two image consents given.
    "sophie.nguyen@example.com": Stage(
        60, ALL, signs=True, grants=("company-website", "internal-communication")
    ),
    # Due this week: two modules done.
    "tom.baker@example.com": Stage(10, 2),
    # Done, but withdrew the consent for the website: HR has something to review.
    "chloe.dubois@example.com": Stage(
        90, ALL, signs=True, grants=("company-website",), withdraws=("company-website",)
    ),
}


def start_date(email: str, today: date) -> date:
    """The demo person's start date, relative to the day the demo is loaded."""
    stage = STAGES.get(email)
    return today - timedelta(days=stage.started_days_ago if stage else 30)


def play(user: User, password: str, now: datetime | None = None) -> None:
    """Record what this demo person has done (modules, signature, consents) as they would."""
    stage = STAGES.get(user.email)
    if stage is None:
        return
    now = now or utcnow()
    required = [p.module for p in progress.placed_modules() if p.required]
    count = len(required) if stage.modules_done is None else stage.modules_done
    moment = now - timedelta(days=max(1, stage.started_days_ago - 2))
    for module in required[:count]:
        moment = min(moment + timedelta(hours=20), now - timedelta(minutes=30))
        _complete(user, module, moment)
    if count:
        user.last_login_at = moment
    current = versions.current_version_number()
    if stage.signs and current is not None:
        signing.sign(
            user,
            version_number=current,
            locale=user.locale,
            typed_name=user.full_name,
            password=password,
            client=DEMO_CLIENT,
        )
    for slug in stage.grants:
        _decide(user, slug, decisions.GRANTED)
    for slug in stage.withdraws:
        _decide(user, slug, decisions.REVOKED)


def _complete(user: User, module, moment: datetime) -> None:
    for index in range(module.step_count):
        player.record_step(user, module, index, index + 1, now=moment)
    attempt = player.start_attempt(user, module, now=moment)
    answers = {q["id"]: list(q["correct"]) for q in module.quiz.definition["questions"]}
    player.submit_attempt(
        user,
        attempt,
        attempt.token,
        answers,
        module,
        DEMO_CLIENT,
        now=moment + timedelta(minutes=6),
    )


def _decide(user: User, slug: str, decision: str) -> None:
    purpose = db.session.scalar(select(ConsentPurpose).where(ConsentPurpose.slug == slug))
    if purpose is None:
        return
    text = texts.current_texts(user.locale).get(purpose.id)
    if text is None:
        return
    decisions.record_decision(
        decisions.Decision(
            user=user, purpose=purpose, medium="photo", decision=decision, text=text
        ),
        actor=user,
        client=DEMO_CLIENT,
    )
