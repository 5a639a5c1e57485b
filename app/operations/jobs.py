"""The scheduled jobs: what `flask worker` runs at its interval and `flask jobs run NAME` once.

Each job calls the same service as its own command (`flask reminders send`, ...), so cron users
and the worker get the same behaviour, and returns a one-line summary for the log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app

from app.models.types import utcnow


@dataclass(frozen=True)
class Job:
    name: str
    interval_seconds: int
    lease_seconds: int  # how long a crashed runner can keep others from running it
    description: str
    run: Callable[[], str]


class JobSkipped(Exception):
    """The job cannot run in this configuration (e.g. no mail server): not a failure."""


def _reminders() -> str:
    from app.assignments import escalation, reminders
    from app.core.client import ClientInfo
    from app.core.mail import mail_configured

    # Escalations are recorded (timeline, team page) even without mail: they come first.
    escalated = escalation.run(utcnow().date()).summary()
    # Without mail (or without a base URL for the links) reminders reach people in the app only.
    base_url = current_app.config.get("CHARTE_BASE_URL") if mail_configured() else None
    report = reminders.send(utcnow().date(), base_url, None, ClientInfo.system())
    if report.failed:
        raise RuntimeError(
            f"{len(report.sent)} sent, {report.skipped} skipped, {len(report.failed)} failed"
        )
    channel = "email and app" if base_url else "app only"
    return f"{len(report.sent)} sent ({channel}), {report.skipped} skipped; {escalated}"


def _notices() -> str:
    from app.hr_reports import team_digest
    from app.notifications import notices

    today = utcnow().date()
    # The managers' weekly digest is a notice too: keyed by the week, sent once per manager.
    return f"{notices.run(today).summary()}; {team_digest.run(today).summary()}"


def _consents() -> str:
    from app.consent import expiry

    return expiry.run(utcnow().date()).summary()


def _webhooks() -> str:
    from app.integrations import delivery

    report = delivery.deliver_due()
    return f"delivered {report.delivered}, retrying {report.retrying}, failed {report.failed}"


def _dashboard() -> str:
    from app.hr_reports import snapshots

    figures = snapshots.recent(utcnow().date(), 0)
    return f"figures for {figures.people} people"


def _retention() -> str:
    from app.privacy import retention

    purges = retention.apply()
    return f"{len(purges)} person(s) pseudonymised"


def _witness() -> str:
    from app.evidence import witness

    head = witness.witness_now()
    return "audit log empty" if head is None else f"witnessed head seq {head.seq}"


HOUR = 3600
JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job("webhooks", 15, 10 * 60, "Send the webhook deliveries that are due.", _webhooks),
        # Every 10 minutes (README "The truncation witness"): even a quiet day leaves marks.
        Job("witness", 10 * 60, 10 * 60, "Sign the audit chain's head to the witness.", _witness),
        Job("dashboard", HOUR, 30 * 60, "Recompute the HR dashboard's figures.", _dashboard),
        # Reminders skip whoever was reminded recently: running hourly repeats nobody's.
        Job("reminders", HOUR, HOUR, "Remind who has something overdue or due soon.", _reminders),
        # Keyed per item and state: hourly runs add only what changed since the last one.
        Job(
            "notices",
            HOUR,
            30 * 60,
            "Notify what is due, overdue or ending soon; managers' weekly digest.",
            _notices,
        ),
        # Each expiry and each renewal request is claimed once per consent (consent_notice).
        Job("consents", HOUR, 30 * 60, "Announce expired consents, ask for renewals.", _consents),
        Job("retention", 24 * HOUR, HOUR, "Pseudonymise people who left long ago.", _retention),
    )
}
