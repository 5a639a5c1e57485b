"""Consent purposes and their texts: import from content/consent, render, choose what to show."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import nh3
from flask import current_app
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import select

from app.consent import evidence
from app.core import audit, content_store, settings, typography, yaml_text
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.evidence import seals
from app.extensions import db
from app.models.consent import MEDIA, ConsentPurpose, ConsentText
from app.models.types import utcnow
from app.models.user import User

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.DOTALL)
_VARIABLE = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
_MARKDOWN = MarkdownIt("commonmark")
_DPV_TERM = re.compile(r"^dpv:[A-Z][A-Za-z]{1,70}$")
# Who sees the images of a purpose: people with an account on the internal tools, or anyone.
AUDIENCES = ("internal", "public")


class ConsentTextError(ValueError):
    """A consent text file is malformed; the message names the file."""


@dataclass
class SyncReport:
    """What an import from the files did."""

    purposes_created: list[str] = field(default_factory=list)
    purposes_described: list[str] = field(default_factory=list)
    texts_added: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def content_dir() -> Path:
    """The folder holding the consent texts: CONTENT_DIR/consent, overlaid by the texts
    published in the browser (app.core.content_store)."""
    if not current_app.config.get("CONTENT_DIR"):
        return Path(current_app.root_path).parent / "content" / "consent"
    return content_store.effective_dirs()[0] / "consent"


def fill_variables(text: str, variables: dict[str, str]) -> str:
    """Replace {{ name }} with the organisation's values; unknown names are left as written."""
    return _VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), text)


def normalise(text: str) -> str:
    """The canonical form that is hashed: NFC, LF line ends, no trailing blank space."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
    return "\n".join(line.rstrip() for line in text.strip().split("\n")) + "\n"


def text_digest(text: str) -> str:
    """SHA-256 of a text in canonical form."""
    return hashlib.sha256(normalise(text).encode()).hexdigest()


@lru_cache(maxsize=256)
def render_html(markdown: str, locale: str | None = None) -> Markup:
    """Markdown (CommonMark) to sanitised HTML, cached: stored texts never change.

    French texts get French typography in their text nodes (the stored markdown, which the
    evidence digests, is not changed).
    """
    tokens = _MARKDOWN.parse(markdown)
    typography.apply_to_tokens(tokens, locale)
    html = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {})
    return Markup(nh3.clean(html))  # noqa: S704  # nosec B704 - sanitised by nh3


def parse_file(path: Path) -> tuple[dict, str]:
    """Front matter and body of one text file."""
    match = _FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    if not match:
        raise ConsentTextError(f"{path.name}: missing front matter")
    meta = yaml_text.safe_load(match.group(1)) or {}
    for key in ("slug", "title", "media", "version", "default_duration_months"):
        if key not in meta:
            raise ConsentTextError(f"{path.name}: front matter lacks “{key}”")
    if not set(meta["media"]) <= set(MEDIA) or not meta["media"]:
        raise ConsentTextError(f"{path.name}: media must be among {', '.join(MEDIA)}")
    if meta.get("audience") not in (None, *AUDIENCES):
        raise ConsentTextError(f"{path.name}: audience must be one of {', '.join(AUDIENCES)}")
    category = meta.get("purpose_category")
    if category is not None and not _DPV_TERM.match(str(category)):
        raise ConsentTextError(
            f"{path.name}: purpose_category must be a DPV term such as dpv:Marketing"
        )
    return meta, match.group(2)


def _receipt_facts(meta: dict, variables: dict[str, str]) -> dict[str, str | None]:
    """The purpose's receipt facts declared in a file's front matter (None when not declared)."""
    third = meta.get("third_parties")
    if isinstance(third, list):
        third = ", ".join(str(item) for item in third)
    third = fill_variables(str(third), variables).strip() if third else None
    return {
        "purpose_category": str(meta["purpose_category"]) if meta.get("purpose_category") else None,
        "audience": meta.get("audience"),
        "third_parties": third[:500] if third else None,
    }


def sync_from_files(*, actor: User | None, client: ClientInfo | None = None) -> SyncReport:
    """Create missing purposes and add new text versions; an existing version is never changed.

    A file whose text differs from the stored text of the same version is reported as a conflict
    (a changed text needs a new version number), so consents keep pointing at what people read.
    """
    report = SyncReport()
    variables = settings.organisation_variables()
    locales = current_app.config["CHARTE_LOCALES"]
    purposes = {p.slug: p for p in db.session.scalars(select(ConsentPurpose))}
    added: list[ConsentText] = []
    stored = {
        (t.purpose_id, t.version, t.locale): t for t in db.session.scalars(select(ConsentText))
    }
    for path in sorted(content_dir().glob("*.md")):
        locale = path.name.rsplit(".", 2)[-2] if path.name.count(".") >= 2 else ""
        if locale not in locales:
            continue
        meta, body = parse_file(path)
        purpose = purposes.get(meta["slug"])
        if purpose is None:
            purpose = ConsentPurpose(
                slug=meta["slug"],
                order=int(meta.get("order", 0)),
                media=",".join(m for m in MEDIA if m in meta["media"]),
                default_duration_months=int(meta["default_duration_months"]),
                active=True,
            )
            db.session.add(purpose)
            db.session.flush()
            purposes[purpose.slug] = purpose
            report.purposes_created.append(purpose.slug)
        # Receipt facts are filled once, where still unknown (purposes created before they
        # existed); a value already stored is never changed by a file, like the texts.
        described = False
        for key, value in _receipt_facts(meta, variables).items():
            if value is not None and getattr(purpose, key) is None:
                setattr(purpose, key, value)
                described = True
        if described and purpose.slug not in report.purposes_described:
            report.purposes_described.append(purpose.slug)
        version = int(meta["version"])
        markdown = normalise(fill_variables(body, variables))
        existing = stored.get((purpose.id, version, locale))
        if existing is not None:
            if existing.sha256 != text_digest(markdown):
                report.conflicts.append(f"{path.name} (version {version})")
            continue
        text = ConsentText(
            purpose_id=purpose.id,
            version=version,
            locale=locale,
            title=str(meta["title"]),
            markdown=markdown,
            sha256=text_digest(markdown),
            imported_at=utcnow(),
        )
        seals.seal(evidence.TEXTS, text)
        db.session.add(text)
        added.append(text)
        stored[(purpose.id, version, locale)] = text
        report.texts_added.append(f"{meta['slug']} v{version} {locale}")
    if report.purposes_created or report.texts_added or report.purposes_described:
        db.session.flush()
        audit.record(
            AuditAction.CONSENT_TEXTS_IMPORTED,
            actor=actor,
            target_type="consent_purpose",
            details={
                "purposes": report.purposes_created,
                "texts": report.texts_added,
                "described": report.purposes_described,
                **seals.sealed_details((evidence.TEXTS, added)),
            },
            client=client,
        )
    db.session.commit()
    return report


def purposes(active_only: bool = False) -> list[ConsentPurpose]:
    """Every purpose in display order."""
    query = select(ConsentPurpose).order_by(ConsentPurpose.order, ConsentPurpose.slug)
    if active_only:
        query = query.where(ConsentPurpose.active.is_(True))
    return list(db.session.scalars(query))


def current_texts(locale: str) -> dict[int, ConsentText]:
    """The latest text of each purpose in this locale (else in any locale), in one query."""
    mine: dict[int, ConsentText] = {}
    any_locale: dict[int, ConsentText] = {}
    for text in db.session.scalars(
        select(ConsentText).order_by(ConsentText.purpose_id, ConsentText.version)
    ):
        any_locale[text.purpose_id] = text
        if text.locale == locale:
            mine[text.purpose_id] = text
    return {**any_locale, **mine}


def titles(locale: str) -> dict[int, str]:
    """The title of each purpose in this locale, from its latest text."""
    return {pid: text.title for pid, text in current_texts(locale).items()}


def set_duration(purpose: ConsentPurpose, months: int, *, actor: User, client: ClientInfo) -> bool:
    """Change the default (and longest) duration of new grants; grants already made keep theirs."""
    if not 1 <= months <= 120:
        raise ValueError("duration out of range")
    if purpose.default_duration_months == months:
        return False
    before = purpose.default_duration_months
    purpose.default_duration_months = months
    audit.record(
        AuditAction.CONSENT_PURPOSE_DURATION_CHANGED,
        actor=actor,
        target_type="consent_purpose",
        target_id=purpose.slug,
        details={"from": before, "to": months},
        client=client,
    )
    db.session.commit()
    return True


def set_active(purpose: ConsentPurpose, active: bool, *, actor: User, client: ClientInfo) -> bool:
    """Stop (or resume) asking about a purpose; recorded decisions are untouched."""
    if purpose.active == active:
        return False
    purpose.active = active
    audit.record(
        AuditAction.CONSENT_PURPOSE_REACTIVATED
        if active
        else AuditAction.CONSENT_PURPOSE_DEACTIVATED,
        actor=actor,
        target_type="consent_purpose",
        target_id=purpose.slug,
        client=client,
    )
    db.session.commit()
    return True


def versions(locale: str) -> dict[int, list[ConsentText]]:
    """Every text version of each purpose in this locale, newest first (one query)."""
    found: dict[int, list[ConsentText]] = {}
    for text in db.session.scalars(
        select(ConsentText)
        .where(ConsentText.locale == locale)
        .order_by(ConsentText.purpose_id, ConsentText.version.desc())
    ):
        found.setdefault(text.purpose_id, []).append(text)
    return found
