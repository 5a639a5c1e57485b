"""What a person sees of the assets they appear in: on "My image" and in their data export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _

from app.consent import decisions, texts
from app.consent.assets import register, takedown
from app.consent.assets.publishing import answer_for, publications_of
from app.core.export_parts import ExportContext, ExportPart
from app.database import known_none
from app.models.asset import (
    TAGGED_IN_ASSETS_KEY,
    AssetPublication,
    AssetTakedown,
    MediaAsset,
    TakedownOutcome,
)
from app.models.publication import PublicationCheckPerson
from app.models.user import User


@dataclass(frozen=True)
class MyPublication:
    """One publication of an asset I appear in, and where it stands for me."""

    publication: AssetPublication
    answer: PublicationCheckPerson | None  # the check's answer about me (None: left out)
    removed: AssetTakedown | None  # the decision that took it down
    kept: AssetTakedown | None  # kept after my withdrawal, with the reason
    pending: bool  # on the "to take down" list because of me
    state: decisions.ConsentState  # my consent for its purpose and medium today
    text_id: int | None  # the current text of its purpose (to withdraw in one step)

    @property
    def may_withdraw(self) -> bool:
        return self.state.status == decisions.GRANTED and self.text_id is not None


@dataclass(frozen=True)
class MyAsset:
    """One asset I am tagged in."""

    asset: MediaAsset
    publications: list[MyPublication]


def appearances(user: User, locale: str, today: date) -> list[MyAsset]:
    """The assets the person is tagged in, with where each is published (bounded queries)."""
    if known_none(TAGGED_IN_ASSETS_KEY, user.id):  # never tagged: the sign-in check said so
        return []
    ids = register.asset_ids_of(user.id)
    if not ids:
        return []
    assets = takedown.assets_by_id(ids)
    pubs = publications_of(ids)
    done = takedown.decisions_for([p.id for p in pubs])
    gone = takedown.removed_on(done)
    kept = {
        d.publication_id: d
        for d in done
        if d.outcome == TakedownOutcome.KEPT and d.user_id == user.id
    }
    pending = {i.publication.id for i in takedown.items(today, user_id=user.id)}
    states = decisions.states_for([user.id], today)
    current = texts.current_texts(locale)
    by_asset: dict[int, list[MyPublication]] = {}
    for pub in pubs:
        text = current.get(pub.purpose_id)
        by_asset.setdefault(pub.asset_id, []).append(
            MyPublication(
                publication=pub,
                answer=answer_for(pub, user.id),
                removed=gone.get(pub.id),
                kept=kept.get(pub.id),
                pending=pub.id in pending,
                state=states.get((user.id, pub.purpose_id, pub.medium), decisions.NEVER_ASKED),
                text_id=text.id if text is not None else None,
            )
        )
    return [
        MyAsset(assets[i], by_asset.get(i, []))
        for i in sorted(ids, key=lambda i: (assets[i].created_at, i), reverse=True)
        if i in assets
    ]


def export_part(user: User, ctx: ExportContext) -> ExportPart | None:
    """The assets the person appears in, their publications and what was taken down."""
    from app.models.types import utcnow

    found = appearances(user, ctx.locale, utcnow().date())
    items: list[dict[str, Any]] = []
    for mine in found:
        asset = mine.asset
        items.append(
            {
                "id": asset.id,
                "title": asset.title,
                "medium": asset.medium,
                "taken_on": asset.taken_on.isoformat() if asset.taken_on else None,
                "place": asset.place,
                "photographer": asset.photographer,
                "external_ref": asset.external_ref,
                "publications": [
                    {
                        "channel": p.publication.channel,
                        "location": p.publication.location,
                        "published_on": p.publication.published_on.isoformat(),
                        "purpose_id": p.publication.purpose_id,
                        "medium": p.publication.medium,
                        "included": p.answer is not None,
                        "consent_at_publication": p.answer.state if p.answer else None,
                        "consent_event_id": p.answer.consent_event_id if p.answer else None,
                        "override_reason": p.publication.override_reason,
                        "removed_on": p.removed.removed_on.isoformat()
                        if p.removed and p.removed.removed_on
                        else None,
                        "kept_reason": p.kept.reason if p.kept else None,
                        "to_take_down": p.pending,
                    }
                    for p in mine.publications
                ],
            }
        )
    return ExportPart("image_assets", items)


def _iso(day: date | None) -> str:
    return day.isoformat() if day else "—"


def register_cells(user_ids: list[int]) -> dict[int, str]:
    """Person id -> the register CSV's "image assets" cell: each asset they are tagged in, where
    it is published, on which consent (or override), and what was taken down (bounded queries)."""
    by_person = register.asset_ids_by_person(user_ids)
    all_ids = sorted({a for ids in by_person.values() for a in ids})
    if not all_ids:
        return {}
    assets = takedown.assets_by_id(all_ids)
    pubs = publications_of(all_ids)
    done = takedown.decisions_for([p.id for p in pubs])
    gone = takedown.removed_on(done)
    kept = {(d.publication_id, d.user_id): d for d in done if d.outcome == TakedownOutcome.KEPT}
    by_asset: dict[int, list[AssetPublication]] = {}
    for pub in pubs:
        by_asset.setdefault(pub.asset_id, []).append(pub)
    cells = {}
    for user_id, ids in by_person.items():
        parts = []
        for asset_id in sorted(ids):
            asset = assets[asset_id]
            lines = []
            for pub in by_asset.get(asset_id, []):
                answer = answer_for(pub, user_id)
                line = f"{pub.channel} {pub.location} {pub.published_on.isoformat()}"
                if answer is None:
                    line += " (" + _("left out") + ")"
                elif answer.allowed:
                    line += " (" + _("consent until %(date)s", date=_iso(answer.valid_until)) + ")"
                elif pub.override_reason:
                    line += " (" + _("override: %(reason)s", reason=pub.override_reason) + ")"
                if pub.id in gone and gone[pub.id].removed_on:
                    line += " — " + _("removed on %(date)s", date=_iso(gone[pub.id].removed_on))
                elif (pub.id, user_id) in kept:
                    line += " — " + _("kept: %(reason)s", reason=kept[(pub.id, user_id)].reason)
                lines.append(line)
            parts.append(f"{asset.title}: " + ("; ".join(lines) or _("not published")))
        cells[user_id] = " | ".join(parts)
    return cells
