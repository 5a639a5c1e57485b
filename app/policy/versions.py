"""Policy versions: read them from content/policy, render them, publish them into the database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import nh3
import yaml
from flask import current_app
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from markdown_it import MarkdownIt
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.core import audit, hooks, settings, typography, yaml_text
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.evidence import seals
from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.policy import PolicyText, PolicyVersion
from app.models.types import utcnow
from app.models.user import User
from app.policy import evidence, published
from app.policy.evidence import text_digest
from app.policy.published import PublishedVersion

# The helpers below read a version's number and texts: from the ORM rows, or from the plain copy
# an employee's pages use (app/policy/published.py).
AnyVersion = PolicyVersion | PublishedVersion

_FILE_NAME = re.compile(r"^v(\d+)\.([a-z]{2})\.md$")
_VARIABLE = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
_markdown = MarkdownIt("commonmark")


class PolicyError(ValueError):
    """A policy version cannot be read or published; the message is shown to the admin."""


@dataclass(frozen=True)
class SourceText:
    """One version in one language as read from content/, with variables filled in and rendered."""

    version: int
    locale: str
    title: str
    effective_date: date | None
    changes: str
    markdown: str
    html: str
    section_ids: tuple[str, ...] = ()

    @property
    def sha256(self) -> str:
        return text_digest(self.html)


def render_markdown(source: str, locale: str | None = None) -> str:
    """Markdown (CommonMark) to sanitised HTML, with French typography in French."""
    tokens = _markdown.parse(source)
    typography.apply_to_tokens(tokens, locale)
    return nh3.clean(_markdown.renderer.render(tokens, _markdown.options, {}))


def _policy_dir() -> Path:
    return Path(current_app.config["CONTENT_DIR"]) / "policy"


def source_versions() -> dict[int, list[str]]:
    """Version numbers found in content/policy, each with the locales it has a file for."""
    found: dict[int, list[str]] = {}
    directory = _policy_dir()
    if not directory.is_dir():
        return found
    for path in sorted(directory.iterdir()):
        match = _FILE_NAME.match(path.name)
        if match:
            found.setdefault(int(match.group(1)), []).append(match.group(2))
    return dict(sorted(found.items()))


def _fill(text: str, variables: dict[str, str], where: str) -> str:
    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in variables:
            raise PolicyError(
                _("%(file)s uses an unknown variable: %(name)s", file=where, name=name)
            )
        return variables[name]

    return _VARIABLE.sub(replace, text)


def variable_names(text: str) -> list[str]:
    """The names of the {{ variables }} a text uses."""
    return _VARIABLE.findall(text)


def read_source(version: int, locale: str) -> SourceText:
    """Read and render one file of content/policy, or raise PolicyError."""
    name = f"v{version}.{locale}.md"
    path = _policy_dir() / name
    if not path.is_file():
        raise PolicyError(_("The file %(file)s is missing.", file=name))
    raw = path.read_text(encoding="utf-8")
    parts = raw.split("---", 2) if raw.startswith("---") else None
    try:
        meta = yaml_text.safe_load(parts[1]) if parts else None
    except yaml.YAMLError as exc:
        raise PolicyError(_("%(file)s has an unreadable header.", file=name)) from exc
    if not isinstance(meta, dict) or meta.get("version") != version or not meta.get("title"):
        raise PolicyError(
            _("%(file)s needs a header with its version number and title.", file=name)
        )
    variables = settings.organisation_variables()
    body = _fill(parts[2].strip() + "\n", variables, name)
    effective = meta.get("effective_date")
    ids = meta.get("sections")
    return SourceText(
        version=version,
        locale=locale,
        title=typography.for_locale(_fill(str(meta["title"]), variables, name), locale),
        effective_date=effective if isinstance(effective, date) else None,
        changes=typography.for_locale(
            _fill(str(meta.get("changes") or ""), variables, name), locale
        ),
        markdown=body,
        html=render_markdown(body, locale),
        section_ids=tuple(str(i) for i in ids) if isinstance(ids, list) else (),
    )


def source_text(
    version: int, locale: str, *, title: str, changes: str, body: str, section_ids: tuple[str, ...]
) -> SourceText:
    """A text written in the browser (a draft), filled and rendered exactly like a file's."""
    variables = settings.organisation_variables()
    where = f"{locale.upper()}"
    filled = _fill(body.strip() + "\n", variables, where)
    return SourceText(
        version=version,
        locale=locale,
        title=typography.for_locale(_fill(title, variables, where), locale),
        effective_date=None,
        changes=typography.for_locale(_fill(changes, variables, where), locale),
        markdown=filled,
        html=render_markdown(filled, locale),
        section_ids=section_ids,
    )


def current_version() -> PolicyVersion | None:
    """The latest published version (the one everyone must have signed) with its texts, or None."""
    return db.session.scalar(
        select(PolicyVersion)
        .options(selectinload(PolicyVersion.texts))
        .order_by(PolicyVersion.version.desc())
        .limit(1)
    )


def current_version_number() -> int | None:
    """The latest published version number, or None."""
    return db.session.scalar(select(func.max(PolicyVersion.version)))


def published_versions(with_publishers: bool = True) -> list[PolicyVersion]:
    """Every published version with its texts (and who published it), newest first."""
    options = [selectinload(PolicyVersion.texts)]
    if with_publishers:  # the admin's list; an employee's pages never name them
        options.append(selectinload(PolicyVersion.published_by))
    return list(
        db.session.scalars(
            select(PolicyVersion).options(*options).order_by(PolicyVersion.version.desc())
        )
    )


def latest_texts(version: AnyVersion) -> dict[str, Any]:
    """The version's current text in each language (its latest minor revision)."""
    texts: dict[str, Any] = {}
    for text in version.texts:
        if text.locale not in texts or text.minor > texts[text.locale].minor:
            texts[text.locale] = text
    return texts


def signed_text(version: AnyVersion, locale: str, sha256: str) -> Any:
    """The exact text a signature names (any minor revision of its version), or None."""
    return next((t for t in version.texts if t.locale == locale and t.sha256 == sha256), None)


def revision_label(number: int, minor: int | None) -> str:
    """One text's version as shown: "3" for the text published with version 3, "3.1" for its
    first minor revision."""
    return f"{number}.{minor}" if minor else str(number)


def label(version: AnyVersion) -> str:
    """The version's number as shown: "3", or "3.1" once a minor revision was published."""
    return revision_label(version.version, max((t.minor for t in version.texts), default=0))


def signed_label(version: AnyVersion, locale: str, sha256: str) -> str:
    """The version a signature names, down to the minor revision whose text it signed.

    A signature of the text first published as version 3 stays "3" after 3.1 is published: the
    signer read and signed that text, and a receipt printed today says what one printed then
    said. (`version.texts` must be loaded.)
    """
    text = signed_text(version, locale, sha256)
    return revision_label(version.version, text.minor if text else 0)


def acknowledged_label(ack: Any) -> str:
    """`signed_label` of an acknowledgement row (with its version and that version's texts
    loaded) or of a person's `status.Signature` (named by the version's id)."""
    if isinstance(ack, Acknowledgement):
        return signed_label(ack.policy_version, ack.locale, ack.text_sha256)
    version: AnyVersion | None = published.by_id(ack.policy_version_id)
    if version is None:  # published by another process in the last seconds
        version = db.session.scalars(
            select(PolicyVersion)
            .where(PolicyVersion.id == ack.policy_version_id)
            .options(selectinload(PolicyVersion.texts))
        ).one()
    return signed_label(version, ack.locale, ack.text_sha256)


def summary_for(version: AnyVersion, locale: str) -> str:
    """The author's summary of what a major version changed (as published with it, not a later
    minor revision's), in this language when it has one."""
    first = {t.locale: t for t in version.texts if t.minor == 0}
    for candidate in (locale, current_app.config["CHARTE_DEFAULT_LOCALE"], *sorted(first)):
        if candidate in first:
            return first[candidate].changes
    return ""


def text_for(version: AnyVersion, locale: str) -> Any:
    """The version's text in this language, else in the default language, else any."""
    texts = latest_texts(version)
    for candidate in (locale, current_app.config["CHARTE_DEFAULT_LOCALE"], *sorted(texts)):
        if candidate in texts:
            return texts[candidate]
    raise PolicyError(f"policy version {version.version} has no text")


def effective_on(written: date | None, published_at: datetime) -> date | None:
    """The day a version takes effect: the date its file gives, but never before it is published
    (in the organisation's time zone): nobody can be bound by a text they could not read yet."""
    if written is None:
        return None
    published = to_user_timezone(published_at).date()
    return max(written, published)


def publish(
    version: int,
    *,
    actor: User | None,
    client: ClientInfo,
    sources: list[SourceText] | None = None,
    minor: bool = False,
) -> PolicyVersion:
    """Make a version the current one: its texts are copied into the database and sealed.

    The texts are read from content/ unless `sources` gives them (a draft written in the
    browser). A major version makes every earlier signature outdated (status is derived from
    the latest version); a minor one (`minor=True`, `version` = the current one) adds a revision
    of the current version's texts, so signatures of that version stay valid.
    """
    current = current_version_number()
    if minor:
        if current is None or version != current:
            raise PolicyError(_("A minor revision needs a published version to revise."))
    elif current is not None and version <= current:
        raise PolicyError(
            _(
                "Version %(version)d cannot be published: version %(current)d is already published.",
                version=version,
                current=current,
            )
        )
    locales = current_app.config["CHARTE_LOCALES"]
    if sources is None:
        sources = [read_source(version, locale) for locale in locales]
    published_at = utcnow()
    if minor:
        row = current_version()
        assert row is not None  # checked above
        minor_number = max((t.minor for t in row.texts), default=0) + 1
    else:
        minor_number = 0
        row = PolicyVersion(
            version=version,
            effective_date=effective_on(sources[0].effective_date, published_at),
            published_at=published_at,
            published_by_id=actor.id if actor else None,
        )
        db.session.add(row)
        db.session.flush()
    texts = []
    for source in sources:
        text = PolicyText(
            policy_version_id=row.id,
            locale=source.locale,
            minor=minor_number,
            section_ids=" ".join(source.section_ids) or None,
            title=source.title,
            changes=source.changes,
            markdown=source.markdown,
            html=source.html,
            sha256=source.sha256,
        )
        seals.seal(evidence.TEXTS, text)
        db.session.add(text)
        texts.append(text)
    try:
        db.session.flush()
    except IntegrityError as exc:  # another admin published it at the same moment
        db.session.rollback()
        raise PolicyError(_("Version %(version)d is already published.", version=version)) from exc
    audit.record(
        AuditAction.POLICY_PUBLISHED,
        actor=actor,
        target_type="policy_version",
        target_id=version,
        details={
            "version": version,
            **({"minor": minor_number} if minor else {}),
            "sha256": {s.locale: s.sha256 for s in sources},
            **seals.sealed_details((evidence.TEXTS, texts)),
        },
        client=client,
    )
    db.session.commit()
    if not minor:  # a minor revision asks nobody to sign again
        hooks.policy_published.emit(row)
    return row


def signed_text_condition() -> ColumnElement[bool]:
    """Join condition from a signature (Acknowledgement) to the exact PolicyText it signed (any
    minor revision of its version): same version, language and text fingerprint."""
    return and_(
        PolicyText.policy_version_id == Acknowledgement.policy_version_id,
        PolicyText.locale == Acknowledgement.locale,
        PolicyText.sha256 == Acknowledgement.text_sha256,
    )
