"""May this asset be published for this use, and recording where it was published.

The answers come from consent.publication.answers, the very computation of the publication
check; recording a publication records that check (consent.publication.record_check) in the
same transaction as the publication, which keeps it. Publishing with someone who has not
consented is refused, unless the admin setting allows an override with a reason (audited under
its own action).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.consent import decisions, publication
from app.consent import evidence as consent_evidence
from app.consent.assets import evidence
from app.consent.assets.register import tagged_people
from app.core import audit, settings
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.evidence import seals
from app.extensions import db
from app.models.asset import AssetPublication, MediaAsset
from app.models.consent import ConsentPurpose
from app.models.publication import PublicationCheck, PublicationCheckPerson
from app.models.types import utcnow
from app.models.user import User

ALLOW_OVERRIDE = settings.SettingSpec(
    "consent.asset_override",
    "bool",
    False,
    _l("Allow publishing an asset with someone who has not consented, with a reason"),
    _l("Image consent"),
    _l(
        "Off: the publication is refused until the person is left out of it. On: it is recorded "
        "with the reason given, and the override is audited."
    ),
)


class PublishError(ValueError):
    """The publication cannot be recorded; the message says why."""


def _iso(day: date | None) -> str:
    return day.isoformat() if day else "—"


@dataclass(frozen=True)
class PersonAnswer:
    """One person in the asset: the publication check's answer and what it means in words."""

    answer: publication.Answer

    @property
    def person(self) -> User:
        return self.answer.person

    @property
    def allowed(self) -> bool:
        return self.answer.allowed

    @property
    def reason(self) -> str:
        """ "consent valid until …", "refused on …", "withdrawn on …", "never asked"…"""
        state = self.answer.state
        if not state.verified:
            return _("the consent record fails its integrity check")
        if state.status == decisions.GRANTED:
            text = _("consent valid until %(date)s", date=_iso(state.valid_until))
        elif state.status == decisions.REVOKED:
            text = _("withdrawn on %(date)s", date=_iso(state.since))
        else:
            text = decisions.describe(state)
        if not self.person.active:
            text += " — " + _("left the company")
        return text


def publishability(
    asset: MediaAsset, purpose: ConsentPurpose, day: date, people: list[User] | None = None
) -> list[PersonAnswer]:
    """For each person in the asset, may they appear in a publication for this purpose that day?"""
    chosen = tagged_people(asset) if people is None else people
    if asset.medium not in purpose.media_list:
        raise PublishError(_("This purpose does not cover this medium."))
    return [PersonAnswer(a) for a in publication.answers(purpose, asset.medium, chosen, day)]


def override_allowed() -> bool:
    """The admin setting: may a publication go ahead with someone who has not consented?"""
    return bool(settings.get(ALLOW_OVERRIDE))


@dataclass(frozen=True)
class NewPublication:
    """Where and when communications published the asset, and who appears in that version."""

    purpose: ConsentPurpose
    people: list[User]
    channel: str
    location: str
    published_on: date
    override_reason: str = ""


def publish(
    asset: MediaAsset,
    new: NewPublication,
    *,
    actor: User,
    client: ClientInfo,
    now: datetime | None = None,
) -> AssetPublication:
    """Run and store the publication check, then record the publication (one transaction)."""
    now = (now or utcnow()).astimezone(UTC)
    channel, location = new.channel.strip(), new.location.strip()
    if not channel or not location:
        raise PublishError(_("Say on which channel and where (a link or a reference)."))
    tagged = {p.id for p in tagged_people(asset)}
    if any(p.id not in tagged for p in new.people):
        raise PublishError(_("Only people tagged in the asset can appear in its publication."))
    if not new.people:
        raise PublishError(_("Choose at least one person who appears in this version."))
    answers = publishability(asset, new.purpose, new.published_on, new.people)
    refused = [a for a in answers if not a.allowed]
    reason = new.override_reason.strip()
    if refused and not override_allowed():
        raise PublishError(
            _(
                "Not publishable: %(names)s. Leave them out of this version, or ask for consent.",
                names=", ".join(f"{a.person.full_name} ({a.reason})" for a in refused),
            )
        )
    if refused and not reason:
        raise PublishError(
            _(
                "%(names)s have not consented: give the reason for publishing anyway.",
                names=", ".join(a.person.full_name for a in refused),
            )
        )
    try:
        check = publication.record_check(
            new.purpose,
            asset.medium,
            new.people,
            f"{asset.title} — {channel}: {location}"[:300],
            actor=actor,
            client=client,
            now=now,
        )
    except publication.CheckError as exc:
        raise PublishError(str(exc)) from exc
    row = AssetPublication(
        asset_id=asset.id,
        check_id=check.id,
        purpose_id=new.purpose.id,
        medium=asset.medium,
        channel=channel[:120],
        location=location[:500],
        published_on=new.published_on,
        override_reason=reason[:2000] if refused else None,
        recorded_by_id=actor.id,
        recorded_at=now,
    )
    seals.seal(evidence.PUBLICATIONS, row)
    db.session.add(row)
    db.session.flush()
    audit.record(
        AuditAction.ASSET_PUBLISHED_WITH_OVERRIDE if refused else AuditAction.ASSET_PUBLISHED,
        actor=actor,
        target_type="asset_publication",
        target_id=row.id,
        details={
            "asset_id": asset.id,
            "check_id": check.id,
            "purpose": new.purpose.slug,
            "medium": asset.medium,
            "channel": row.channel,
            "location": row.location,
            "published_on": row.published_on.isoformat(),
            "override_reason": row.override_reason,
            "not_consented": [a.person.id for a in refused],
            **seals.sealed_details((evidence.PUBLICATIONS, [row])),
        },
        client=client,
    )
    db.session.commit()
    return row


def publications_of(
    asset_ids: list[int], publication_ids: Iterable[int] | None = None
) -> list[AssetPublication]:
    """The publications of these assets (or, given `publication_ids`, just those publications)
    with their check's answers (three queries)."""
    if publication_ids is not None:
        wanted = AssetPublication.id.in_(list(publication_ids))
    elif asset_ids:
        wanted = AssetPublication.asset_id.in_(asset_ids)
    else:
        return []
    rows = db.session.scalars(
        select(AssetPublication)
        .where(wanted)
        .options(
            joinedload(AssetPublication.recorded_by),
            joinedload(AssetPublication.check)
            .selectinload(PublicationCheck.people)
            .joinedload(PublicationCheckPerson.user),
        )
        .order_by(AssetPublication.published_on.desc(), AssetPublication.id.desc())
    ).unique()
    return [r for r in rows if seals.intact(evidence.PUBLICATIONS, r)]


def answer_for(pub: AssetPublication, user_id: int) -> PublicationCheckPerson | None:
    """The check's answer about one person in this publication (None: not in that version)."""
    for person in pub.check.people:
        if person.user_id == user_id and seals.intact(consent_evidence.PUBLICATION_ANSWERS, person):
            return person
    return None
