"""Signatures given on paper: HR records them on the employee's behalf, with the scanned form."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from app.core import codes
from app.core.client import ClientInfo
from app.evidence import attachments
from app.models.acknowledgement import Acknowledgement
from app.models.types import utcnow
from app.models.user import User
from app.policy import signing, versions
from app.policy.signing import SigningError

PAPER_METHOD = "paper-recorded-by-hr"


def record_signature(
    person: User,
    *,
    version_number: int,
    locale: str,
    typed_name: str,
    paper_reference: str,
    scan: attachments.Upload,
    actor: User,
    client: ClientInfo,
    now: datetime | None = None,
) -> Acknowledgement:
    """Record the person's paper signature of the current version, or raise SigningError.

    The row is marked as recorded on their behalf, by whom, with the form's reference and scan;
    the name written on the form must match the account, as it must online.
    """
    if person.id == actor.id:
        raise SigningError(_("Sign the policy yourself from the policy page."))
    current = versions.current_version()
    if current is None:
        raise SigningError(_("No version of the policy has been published yet."))
    if current.version != version_number:
        raise SigningError(_("A new version of the policy was published. Reload the page."))
    if signing.find(person, current) is not None:
        raise SigningError(_("%(name)s has already signed this version.", name=person.full_name))
    text = versions.latest_texts(current).get(locale)
    if text is None:
        raise SigningError(_("Choose the language of the text the person signed."), "locale")
    if signing.normalise_name(typed_name) != signing.normalise_name(person.full_name):
        raise SigningError(
            _("The name on the form must be the account's name: %(name)s.", name=person.full_name),
            "typed_name",
        )
    if not paper_reference.strip():
        raise SigningError(_("The paper form reference is required."), "paper_reference")
    moment = now or utcnow()
    attachment = attachments.store(scan, person=person, actor=actor, now=moment)
    ack = Acknowledgement(
        user_id=person.id,
        policy_version_id=current.id,
        locale=text.locale,
        text_sha256=text.sha256,
        statement=signing.statement_for(
            versions.revision_label(current.version, text.minor), text.locale
        ),
        typed_name=" ".join(typed_name.split())[:200],
        signed_at=moment,
        ip=client.ip,
        user_agent=client.user_agent,
        auth_method=PAPER_METHOD,
        code=codes.new_code(),
        on_behalf=True,
        recorded_by_id=actor.id,
        paper_reference=paper_reference.strip()[:200],
        attachment_id=attachment.id,
    )
    recorded = signing.record_acknowledgement(
        ack,
        current,
        signer=person,
        actor=actor,
        client=client,
        details={
            "on_behalf": True,
            "paper_reference": ack.paper_reference,
            "attachment_sha256": attachment.sha256,
            **attachments.received_details(scan),
        },
        scans=[attachment],
    )
    if not recorded:
        raise SigningError(_("%(name)s has already signed this version.", name=person.full_name))
    return ack
