"""The asset register: record a photo or video (uploaded or by reference), tag people, find them.

Who may see an asset: communications and HR (CONSENT_MANAGERS, admins included) and the people
tagged in it; for anyone else it does not exist (404). Originals are for communications and HR
only; everyone else sees the clean copy and thumbnail (app/consent/assets/media.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import IO

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, or_, select

from app.consent.assets import evidence, media
from app.core import audit, paging
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.evidence import seals
from app.extensions import db
from app.models.asset import AssetSource, AssetTag, MediaAsset
from app.models.consent import MEDIA
from app.models.types import utcnow
from app.models.user import User
from app.permissions import CONSENT_MANAGERS

PER_PAGE = 50


class AssetError(ValueError):
    """The asset cannot be recorded; the message says why."""


def is_manager(user: User) -> bool:
    """Communications and HR (and admins, who hold HR's rights) manage the register."""
    return bool(user.is_authenticated and user.has_role(*CONSENT_MANAGERS))


@dataclass(frozen=True)
class NewAsset:
    """What communications says about a photo or video."""

    title: str
    medium: str
    taken_on: date | None = None
    place: str = ""
    photographer: str = ""
    external_ref: str = ""


@dataclass(frozen=True)
class Upload:
    """A file arriving with the form: its stream (read in chunks) and the name it came with."""

    stream: IO[bytes]
    filename: str


def _validate(new: NewAsset, file: Upload | None) -> None:
    if not new.title.strip():
        raise AssetError(_("Give the asset a title."))
    if new.medium not in MEDIA:
        raise AssetError(_("Choose photo or video."))
    if file is None and not new.external_ref.strip():
        raise AssetError(_("Upload a file or give the asset's reference in your media library."))
    if file is not None and new.external_ref.strip():
        raise AssetError(_("Upload a file or give a reference, not both."))


def create(
    new: NewAsset,
    *,
    file: Upload | None,
    thumbnail: Upload | None,
    people: Iterable[User],
    actor: User,
    client: ClientInfo,
    now: datetime | None = None,
) -> MediaAsset:
    """Store the file (streamed), record the asset and tag its people; audited and sealed."""
    _validate(new, file)
    now = (now or utcnow()).astimezone(UTC)
    asset = MediaAsset(
        title=new.title.strip()[:200],
        medium=new.medium,
        source=AssetSource.UPLOAD if file is not None else AssetSource.EXTERNAL,
        taken_on=new.taken_on,
        place=new.place.strip()[:200],
        photographer=new.photographer.strip()[:200],
        external_ref=new.external_ref.strip()[:500] or None,
        created_by_id=actor.id,
        created_at=now,
    )
    stored_names: list[str] = []
    try:
        if file is not None:
            stored = media.receive(file.stream, file.filename, new.medium)
            stored_names += [n for n in (stored.original_name, stored.served_name) if n]
            asset.original_name = stored.original_name
            asset.original_type = stored.content_type
            asset.original_size = stored.size
            asset.original_sha256 = stored.sha256
            asset.served_name = stored.served_name
            asset.thumb_name = stored.thumb_name
            if stored.thumb_name:
                stored_names.append(stored.thumb_name)
        if thumbnail is not None and asset.thumb_name is None:
            asset.thumb_name = media.receive_thumbnail(thumbnail.stream, thumbnail.filename)
            stored_names.append(asset.thumb_name)
        db.session.add(asset)
        db.session.flush()
        tags = _tag_rows(asset, people, present=True, actor=actor, now=now)
        audit.record(
            AuditAction.ASSET_REGISTERED,
            actor=actor,
            target_type="media_asset",
            target_id=asset.id,
            details={
                "title": asset.title,
                "medium": asset.medium,
                "source": asset.source,
                "external_ref": asset.external_ref,
                "original_sha256": asset.original_sha256,
                "size": asset.original_size,
                "people": [t.user_id for t in tags],
                **seals.sealed_details((evidence.TAGS, tags)),
            },
            client=client,
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for name in stored_names:
            media.path_of(name).unlink(missing_ok=True)
        raise
    return asset


def _tag_rows(
    asset: MediaAsset, people: Iterable[User], *, present: bool, actor: User, now: datetime
) -> list[AssetTag]:
    current = set(tagged_ids([asset.id]).get(asset.id, []))
    rows = []
    for person in {p.id: p for p in people}.values():
        if (person.id in current) == present:
            continue  # already so
        row = AssetTag(
            asset_id=asset.id,
            user_id=person.id,
            present=present,
            tagged_by_id=actor.id,
            tagged_at=now,
        )
        seals.seal(evidence.TAGS, row)
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    return rows


def set_tags(
    asset: MediaAsset,
    people: Iterable[User],
    *,
    present: bool,
    actor: User,
    client: ClientInfo,
    now: datetime | None = None,
) -> int:
    """Tag (or untag) these people; append-only rows, one audit entry. How many changed."""
    now = (now or utcnow()).astimezone(UTC)
    rows = _tag_rows(asset, people, present=present, actor=actor, now=now)
    if not rows:
        return 0
    audit.record(
        AuditAction.ASSET_TAGGED,
        actor=actor,
        target_type="media_asset",
        target_id=asset.id,
        details={
            "present": present,
            "people": [r.user_id for r in rows],
            **seals.sealed_details((evidence.TAGS, rows)),
        },
        client=client,
    )
    db.session.commit()
    return len(rows)


def _latest_tags(asset_ids: Iterable[int] | None = None, user_id: int | None = None):
    newest = select(func.max(AssetTag.id)).group_by(AssetTag.asset_id, AssetTag.user_id)
    if asset_ids is not None:
        newest = newest.where(AssetTag.asset_id.in_(list(asset_ids)))
    if user_id is not None:
        newest = newest.where(AssetTag.user_id == user_id)
    return select(AssetTag).where(AssetTag.id.in_(newest.scalar_subquery()))


def _trusted(tag: AssetTag) -> bool:
    return seals.intact(evidence.TAGS, tag)


def tagged_ids(asset_ids: Iterable[int]) -> dict[int, list[int]]:
    """Asset id -> ids of the people tagged in it now (latest sealed row per person wins)."""
    ids = list(asset_ids)
    found: dict[int, list[int]] = {}
    if not ids:
        return found
    for tag in db.session.scalars(_latest_tags(ids)):
        if tag.present and _trusted(tag):
            found.setdefault(tag.asset_id, []).append(tag.user_id)
    return found


def tagged_people(asset: MediaAsset) -> list[User]:
    """The people tagged in the asset, by name."""
    ids = tagged_ids([asset.id]).get(asset.id, [])
    if not ids:
        return []
    return list(
        db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.full_name, User.id))
    )


def asset_ids_by_person(user_ids: Iterable[int]) -> dict[int, list[int]]:
    """Person id -> the assets they are tagged in now (one query)."""
    ids = list(user_ids)
    found: dict[int, list[int]] = {}
    if not ids:
        return found
    newest = (
        select(func.max(AssetTag.id))
        .where(AssetTag.user_id.in_(ids))
        .group_by(AssetTag.asset_id, AssetTag.user_id)
    )
    for tag in db.session.scalars(
        select(AssetTag).where(AssetTag.id.in_(newest.scalar_subquery()))
    ):
        if tag.present and _trusted(tag):
            found.setdefault(tag.user_id, []).append(tag.asset_id)
    return found


@cache
def _persons_latest_tags():
    # Built once: "My image" runs it on every view.
    return _latest_tags(user_id=bindparam("user_id"))  # type: ignore[arg-type]


def asset_ids_of(user_id: int) -> list[int]:
    """The assets a person is tagged in now."""
    return sorted(
        tag.asset_id
        for tag in db.session.scalars(_persons_latest_tags(), {"user_id": user_id})
        if tag.present and _trusted(tag)
    )


def get(asset_id: int) -> MediaAsset | None:
    """One asset with who recorded it."""
    from sqlalchemy.orm import joinedload

    return db.session.scalar(
        select(MediaAsset)
        .where(MediaAsset.id == asset_id)
        .options(joinedload(MediaAsset.created_by))
    )


def for_viewer(asset_id: int, viewer: User) -> MediaAsset | None:
    """The asset if the viewer may see it (communications, HR, a person tagged in it)."""
    asset = get(asset_id)
    if asset is None:
        return None
    if is_manager(viewer) or viewer.id in tagged_ids([asset.id]).get(asset.id, []):
        return asset
    return None


@dataclass(frozen=True)
class ListPage:
    """One page of the register."""

    assets: list[MediaAsset]
    tag_counts: dict[int, int]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_page(q: str = "", page: int = 1, per_page: int = PER_PAGE) -> ListPage:
    """Assets newest first, filtered by title, place or photographer (three queries)."""
    query = select(MediaAsset)
    q = q.strip().lower()
    if q:
        like = f"%{q}%"
        query = query.where(
            or_(
                func.lower(MediaAsset.title).like(like),
                func.lower(MediaAsset.place).like(like),
                func.lower(MediaAsset.photographer).like(like),
            )
        )
    total = paging.count_of(query)
    page = paging.clamp(page, total, per_page)
    assets = list(
        db.session.scalars(
            query.order_by(MediaAsset.created_at.desc(), MediaAsset.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    return ListPage(assets, tag_counts([a.id for a in assets]), total, page, per_page)


def tag_counts(asset_ids: list[int]) -> dict[int, int]:
    """Asset id -> how many people are tagged in it (one query; a count shown, nothing decided
    on it, so the per-row seal check that access decisions make is not needed here)."""
    if not asset_ids:
        return {}
    newest = (
        select(func.max(AssetTag.id))
        .where(AssetTag.asset_id.in_(asset_ids))
        .group_by(AssetTag.asset_id, AssetTag.user_id)
    )
    rows = db.session.execute(
        select(AssetTag.asset_id, func.count())
        .where(AssetTag.id.in_(newest.scalar_subquery()), AssetTag.present.is_(True))
        .group_by(AssetTag.asset_id)
    )
    return {asset_id: count for asset_id, count in rows}


def assets_after(after: int, limit: int) -> list[MediaAsset]:
    """Assets by id after a cursor (the REST API's pages)."""
    return list(
        db.session.scalars(
            select(MediaAsset).where(MediaAsset.id > after).order_by(MediaAsset.id).limit(limit)
        )
    )


def people_of(asset_ids: list[int]) -> dict[int, list[User]]:
    """Asset id -> the people tagged in it, by name (two queries)."""
    tags = tagged_ids(asset_ids)
    wanted = {u for ids in tags.values() for u in ids}
    if not wanted:
        return {}
    users = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_(wanted)).order_by(User.full_name, User.id)
        )
    }
    return {
        asset_id: sorted((users[i] for i in ids if i in users), key=lambda u: u.full_name)
        for asset_id, ids in tags.items()
    }
