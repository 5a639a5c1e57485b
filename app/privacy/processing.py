"""The retention setting and the record of processing generated from the settings and the data model."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.core import settings
from app.evidence.network import PRIVACY
from app.extensions import db

RETENTION_YEARS = settings.SettingSpec(
    "privacy.retention_years_after_departure",
    "int",
    5,
    _l("Years records are kept after someone leaves"),
    PRIVACY,
    _l(
        "After this period, `flask retention apply` pseudonymises the person's name, email, "
        "IP addresses, browsers and typed names; the evidence stays verifiable."
    ),
    minimum=1,
    maximum=30,
)


@dataclass(frozen=True)
class DataCategory:
    """One kind of record: what it holds (columns from the model), why, who sees it, how long."""

    name: str
    table: str
    columns: list[str]
    purpose: str
    recipients: str
    retention: str


def _columns(table: str) -> list[str]:
    return [column.name for column in db.metadata.tables[table].columns]


def processing_record() -> list[DataCategory]:
    """The record of processing, built from the current settings and the tables' real columns."""
    years = settings.get(RETENTION_YEARS)
    period = ngettext("%(num)d year", "%(num)d years", years)
    kept = _(
        "Kept while the person works here; %(period)s after they leave, name, email, IP "
        "addresses, browsers and typed names are replaced by a pseudonym or blanked.",
        period=period,
    )
    hr = _("HR and administrators of the organisation; the person themselves")
    rows = [
        (
            _("Accounts"),
            "user",
            _("Give access to the training and identify who signed or consented."),
            hr,
            kept,
        ),
        (
            _("Training progress and quiz answers"),
            "quiz_attempt",
            _("Show the person and HR which modules are completed, and prove it."),
            hr,
            kept,
        ),
        (
            _("Policy signatures"),
            "acknowledgement",
            _("Prove that the person read and accepted an exact version of the policy."),
            hr + "; " + _("anyone holding a receipt code sees the name, document and date"),
            kept,
        ),
        (
            _("Image-use consent decisions"),
            "consent_event",
            _("Know whose image may be used for which purpose, and prove it (GDPR art. 6(1)(a))."),
            hr + "; " + _("communications staff see whether an image may be used"),
            kept,
        ),
        (
            _("Scanned paper forms"),
            "evidence_attachment",
            _("Keep the paper form behind a signature or decision recorded by HR."),
            hr,
            _("Kept with the record it supports."),
        ),
        (
            _("Certificates"),
            "certificate",
            _("Attest that the person completed a module or the whole programme."),
            hr + "; " + _("anyone holding a certificate code sees the name, title and date"),
            kept,
        ),
        (
            _("Webhook deliveries"),
            "webhook_delivery",
            _("Tell the organisation's other systems about signatures and consent decisions."),
            _("Administrators; the systems an administrator registered"),
            _(
                "Kept as the delivery history; %(period)s after the person leaves, their "
                "email is removed from it.",
                period=period,
            ),
        ),
        (
            _("Audit log"),
            "audit_event",
            _("Show who did what and when, and detect any alteration of the evidence."),
            _("Administrators; auditors"),
            kept,
        ),
    ]
    return [
        DataCategory(name, table, _columns(table), purpose, recipients, retention)
        for name, table, purpose, recipients, retention in rows
    ]
