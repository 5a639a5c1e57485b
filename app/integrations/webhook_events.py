"""What each webhook event says, built from the records of the areas that cause them.

integrations.init_app subscribes these to the hooks of app/core/hooks.py; every payload names the employee the same
way (id, email, external id) and uses ISO 8601 UTC dates.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.integrations import webhooks
from app.integrations.employee_status import iso
from app.models.acknowledgement import Acknowledgement
from app.models.consent import ConsentDecision, ConsentEvent, ConsentPurpose
from app.models.policy import PolicyText, PolicyVersion
from app.models.user import User
from app.policy import versions


def employee_ref(user: User) -> dict[str, Any]:
    """How a payload names a person."""
    return {"id": user.id, "email": user.email, "external_id": user.external_id}


def on_consent_decision(previous: Any, event: ConsentEvent) -> None:
    """consent.granted / consent.revoked, in the decision's transaction (before its commit)."""
    if event.decision not in (ConsentDecision.GRANTED, ConsentDecision.REVOKED):
        return
    purpose = db.session.get(ConsentPurpose, event.purpose_id)
    webhooks.emit(
        f"consent.{event.decision}",
        {
            "employee": employee_ref(db.session.get(User, event.user_id)),
            "purpose": purpose.slug,
            "medium": event.medium,
            "valid_until": iso(event.valid_until),
            "recorded_at": iso(event.recorded_at),
            "on_behalf": event.on_behalf,
            "code": event.code,
        },
        now=event.recorded_at,
    )


def on_asset_takedown(previous: Any, event: ConsentEvent) -> None:
    """asset.takedown_required, in the decision's transaction: one event per live publication
    of an asset the person appears in whose purpose and medium the withdrawal covers."""
    from app.consent.assets import takedown

    publications = takedown.affected_by(event)
    if not publications:
        return
    person = db.session.get(User, event.user_id)
    purpose = db.session.get(ConsentPurpose, event.purpose_id)
    if person is None or purpose is None:
        return
    employee = employee_ref(person)
    assets = takedown.assets_by_id(p.asset_id for p in publications)
    for pub in publications:
        webhooks.emit(
            "asset.takedown_required",
            {
                "employee": employee,
                "purpose": purpose.slug,
                **takedown.payload(pub, event, assets.get(pub.asset_id)),
                "recorded_at": iso(event.recorded_at),
            },
            now=event.recorded_at,
        )


def on_consent_expired(event: ConsentEvent, publications: list[Any]) -> None:
    """asset.takedown_required for a grant that ran out, in the `consents` job's transaction:
    one event per live publication it leaves to take down ("decision": "expired")."""
    from app.consent.assets import takedown

    if not publications:
        return
    person = db.session.get(User, event.user_id)
    purpose = db.session.get(ConsentPurpose, event.purpose_id)
    if person is None or purpose is None:
        return
    employee = employee_ref(person)
    assets = takedown.assets_by_id(p.asset_id for p in publications)
    ended = {"valid_until": iso(event.valid_until)}
    for pub in publications:
        webhooks.emit(
            "asset.takedown_required",
            {
                "employee": employee,
                "purpose": purpose.slug,
                **takedown.payload(pub, event, assets.get(pub.asset_id), "expired"),
                **ended,
            },
        )


def on_policy_signed(ack: Acknowledgement) -> None:
    """policy.signed, in the signature's transaction (before its commit)."""
    version = db.session.get(PolicyVersion, ack.policy_version_id)
    assert version is not None  # the signature's foreign key
    minor = db.session.scalar(
        select(PolicyText.minor).where(
            PolicyText.policy_version_id == ack.policy_version_id,
            PolicyText.locale == ack.locale,
            PolicyText.sha256 == ack.text_sha256,
        )
    )
    webhooks.emit(
        "policy.signed",
        {
            "employee": employee_ref(db.session.get(User, ack.user_id)),
            "version": version.version,
            "version_label": versions.revision_label(version.version, minor),
            "locale": ack.locale,
            "signed_at": iso(ack.signed_at),
            "code": ack.code,
        },
        now=ack.signed_at,
    )


def on_programme_completed(*, user: User, completed_at: Any = None, **_: Any) -> None:
    """programme.completed: the hook comes after the completion's commit, so the outbox row
    gets its own small transaction (a crash in between would lose this one event)."""
    webhooks.emit(
        "programme.completed",
        {"employee": employee_ref(user), "completed_at": iso(completed_at)},
    )
    db.session.commit()


def on_certificate_revoked(certificate: Any, revocation: Any) -> None:
    """certificate.revoked, in the revocation's transaction (before its commit)."""
    holder = db.session.get(User, certificate.user_id)
    webhooks.emit(
        "certificate.revoked",
        {
            "certificate": {
                "id": certificate.id,
                "code": certificate.code,
                "kind": certificate.kind,
                "module": certificate.module_slug,
            },
            "employee": employee_ref(holder),
            "revoked_at": revocation.revoked_at.isoformat(),
        },
    )
