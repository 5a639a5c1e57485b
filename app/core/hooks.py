"""Every extension point of Charte, declared once (the FlaskBB `plugins/spec.py` idea).

An area that must react to another's event, or add to another's page, subscribes a receiver to
one of the hooks below from its own `init_app(app)`; the emitter calls the hook by name and never
imports the receivers. Subscriptions live on the app (`app.extensions["charte.hooks"]`), not in
module globals, so every `create_app()` starts from its own set and tests need no cleanup.

Two kinds of hook:
- *event* hooks are emitted with `hook.emit(...)`; receivers return nothing. Where the docstring
  says "in the transaction", receivers write rows the emitter commits with its own (e.g. the
  webhook outbox); "after the commit" receivers run their own follow-up transactions.
- *collecting* hooks are asked with `hook.collect(...)`; each receiver returns a contribution or
  None, and the caller gets the contributions in subscription order.

`tests/core/test_hooks.py` lists every hook with its expected receivers after `create_app()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app

EXTENSION_KEY = "charte.hooks"


class Hook:
    """One extension point: its name, what receivers get, and when it is emitted."""

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.__doc__ = doc

    def __repr__(self) -> str:
        return f"<hook {self.name}>"

    def subscribe(self, app: Flask, receiver: Callable[..., Any]) -> None:
        """Add a receiver for this app (subscribing the same receiver twice keeps one)."""
        receivers = app.extensions.setdefault(EXTENSION_KEY, {}).setdefault(self.name, [])
        if receiver not in receivers:
            receivers.append(receiver)

    def receivers(self, app: Flask | None = None) -> list[Callable[..., Any]]:
        """The receivers subscribed on this app (the current app by default), in order."""
        app = app or current_app
        return list(app.extensions.get(EXTENSION_KEY, {}).get(self.name, ()))

    def emit(self, *args: Any, **kwargs: Any) -> None:
        """Call every receiver with these arguments."""
        for receiver in self.receivers():
            receiver(*args, **kwargs)

    def collect(self, *args: Any, **kwargs: Any) -> list[Any]:
        """Every receiver's contribution, skipping the ones that return None."""
        return [
            result
            for receiver in self.receivers()
            if (result := receiver(*args, **kwargs)) is not None
        ]

    @contextmanager
    def override(self, app: Flask, receivers: list[Callable[..., Any]]) -> Iterator[None]:
        """Replace the receivers for the duration of a block (tests)."""
        table = app.extensions.setdefault(EXTENSION_KEY, {})
        saved = table.get(self.name)
        table[self.name] = list(receivers)
        try:
            yield
        finally:
            if saved is None:
                table.pop(self.name, None)
            else:
                table[self.name] = saved


# ---- policy ------------------------------------------------------------------------------------

signing_prerequisites = Hook(
    "signing_prerequisites",
    """Collecting. (user) -> translated reason why the user may not sign the policy yet, or None.

    Asked by policy.signing before an online signature (not for paper signatures, which record
    what already happened); skipped when the admin allows signing before completion.""",
)

policy_signed = Hook(
    "policy_signed",
    """Event, in the signature's transaction. (acknowledgement) -> None.

    Emitted by the one write path of policy signatures (policy.signing), online and on paper.""",
)

after_policy_signed = Hook(
    "after_policy_signed",
    """Event, after the signature's commit. (user, acknowledgement) -> None.

    Receivers run their own transactions (e.g. the programme certificate).""",
)

policy_published = Hook(
    "policy_published",
    """Event, after the publication's commit. (version: models.policy.PolicyVersion) -> None.

    Emitted by policy.versions.publish: everyone is now asked to sign the new version.""",
)

# ---- learning ----------------------------------------------------------------------------------

module_completed = Hook(
    "module_completed",
    """Event, in the completion's transaction, before its commit. (user, completion, entries)
    -> None. Receivers add their rows and append their audit.Entry to `entries` (written with
    the submission's, under one chain lock); they never commit.""",
)

programme_completed = Hook(
    "programme_completed",
    """Event, after the commit of the completion that finished the required modules.

    (user, completion, completed_at) -> None.""",
)

content_exported = Hook(
    "content_exported",
    """Collecting. (folder: pathlib.Path) -> list of the paths written (relative, "/"), or None.

    Emitted by `flask content export DIR` after the modules, quizzes and consent texts: other
    areas write what they let people author in the browser under the folder, in the file
    format `flask content check` reads (the policy: content/policy/v<N>.<locale>.md).""",
)

content_import_prepared = Hook(
    "content_import_prepared",
    """Collecting. (folder: pathlib.Path) -> a loader, or None when the folder has nothing for it.

    Emitted by `flask content import DIR` BEFORE anything is imported. A receiver reads and
    checks its files and raises core.content_store.ContentFolderError with a clear message
    when one is malformed (then nothing at all is imported); otherwise it returns
    loader(actor, client) -> str, called after the modules' draft is made, in the import's
    transaction, which loads the files as a draft (never publishing) and says what it did.""",
)

# ---- consent -----------------------------------------------------------------------------------

consent_decided = Hook(
    "consent_decided",
    """Event, in the decision's transaction. (previous_state, event) -> None.

    Emitted by consent.decisions.record_decision, the one write path of consent decisions.""",
)

after_consent_decided = Hook(
    "after_consent_decided",
    """Event, after the decision's commit. (previous_state, event) -> None.

    Receivers run their own follow-up work (e.g. flagging publication checks on a withdrawal).""",
)

asset_takedown_decided = Hook(
    "asset_takedown_decided",
    """Event, after the decision's commit. (takedown: models.asset.AssetTakedown) -> None.

    Emitted by consent.assets.takedown.decide when communications records that a publication
    was removed or kept; receivers tell the person (in the app, by email when configured).""",
)

consent_expired = Hook(
    "consent_expired",
    """Event, in the scheduled job's transaction. (event: ConsentEvent, publications) -> None.

    Emitted once per grant that has run out (consent.expiry, the `consents` job), with the live
    publications it leaves to take down (possibly none); receivers queue the
    asset.takedown_required webhook and tell communications in the app.""",
)

# ---- assignments -------------------------------------------------------------------------------

reminder_sent = Hook(
    "reminder_sent",
    """Event, in the reminder's transaction. (reminder: models.reminder.ReminderSent) -> None.

    Emitted by assignments.reminders for each person reminded (by email, or in the app only when
    mail is not configured); receivers add rows the reminder's commit keeps (the in-app notice).""",
)

# ---- integrations ------------------------------------------------------------------------------

webhook_failed = Hook(
    "webhook_failed",
    """Event, in the delivery's transaction. (delivery_id: int, endpoint_url: str) -> None.

    Emitted by integrations.delivery when a delivery is given up (no more retries).""",
)

# ---- certificates ------------------------------------------------------------------------------

certificate_revoked = Hook(
    "certificate_revoked",
    """Event, in the revocation's transaction. (certificate, revocation) -> None.""",
)

# ---- evidence ----------------------------------------------------------------------------------

code_lookups = Hook(
    "code_lookups",
    """Collecting. (code) -> evidence.verification.VerificationResult or None.

    Asked by the public /verify page for a normalised code; the first result wins.""",
)

evidence_checks = Hook(
    "evidence_checks",
    """Event. (report: core.audit.VerificationReport) -> None.

    Each receiver checks one kind of evidence and adds its findings to the report
    (`flask audit verify`); the audit chain itself is always checked first.""",
)

# ---- privacy -----------------------------------------------------------------------------------

me_sections = Hook(
    "me_sections",
    """Collecting. (user, privacy.me_page.MeContext) -> privacy.me_page.MeSection or None.

    Sections other areas add to a person's Me page, after the built-in ones.""",
)

export_sections = Hook(
    "export_sections",
    """Collecting. (user, core.export_parts.ExportContext) -> core.export_parts.ExportPart or None.

    Parts other areas add to a person's data export, after the built-in ones.""",
)

person_pseudonymised = Hook(
    "person_pseudonymised",
    """Collecting, in the retention purge's transaction. (user, former_email=...) -> dict or None.

    Emitted by privacy.retention after the person's evidence was blanked and the user row
    renamed to the pseudonym. Receivers forget what they hold about the person (name, email)
    and return {what: how many rows} for the purge's audit entry.""",
)

# ---- operations --------------------------------------------------------------------------------

readiness_checks = Hook(
    "readiness_checks",
    """Collecting. () -> (name, {"ok": bool, ...}) or None.

    Asked by /readyz (app/operations/readiness.py) after its own checks (database, migrations,
    Redis); a check whose "ok" is false makes /readyz answer 503. For e.g. the scheduler's
    heartbeat. Receivers must not put error text from drivers in the dict (the page is public).""",
)

metric_families = Hook(
    "metric_families",
    """Collecting. () -> iterable of prometheus_client Metric families, or None.

    Asked at each /metrics scrape (app/operations/metrics.py) for figures read from the
    database, e.g. the scheduled jobs' last durations and outcomes.""",
)

ALL: tuple[Hook, ...] = tuple(
    value for value in list(globals().values()) if isinstance(value, Hook)
)
