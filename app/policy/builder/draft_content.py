"""What a policy draft is made of and whether it can go out: the guided outline and its
guidance, the checks shown next to the fields (translation status, variables, headings), and
the texts the draft renders to, exactly as employees will read them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup

from app.core import settings, typography
from app.learn.content.types import SECTION_ID_RE
from app.models.policy import PolicyDraft
from app.policy import versions

LOCALES = ("fr", "en")


def outline() -> dict[str, Any]:
    """The guided outline (content/policy/outline.yaml): title and sections with guidance."""
    path = Path(current_app.config["CONTENT_DIR"]) / "policy" / "outline.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def outline_section(section_id: str) -> dict[str, Any] | None:
    """One section of the outline by id, or None."""
    return next((s for s in outline()["sections"] if s["id"] == section_id), None)


def section_id_ok(section_id: str) -> bool:
    """True for a section id in lowercase-with-dashes (the ids modules' `teaches:` name)."""
    return bool(SECTION_ID_RE.match(section_id or ""))


def problems(draft: PolicyDraft) -> dict[str, list[str]]:
    """What blocks approval and publication, by field ("title_fr", "<section>.body_en"...)."""
    found: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        found.setdefault(key, []).append(message)

    variables = settings.organisation_variables()
    for locale in LOCALES:
        if not getattr(draft, f"title_{locale}"):
            add(f"title_{locale}", _("Give the policy a title in this language."))
    if not draft.sections:
        add("sections", _("The policy needs at least one section."))
    for section in draft.sections:
        written = [
            loc
            for loc in LOCALES
            if getattr(section, f"heading_{loc}") or getattr(section, f"body_{loc}")
        ]
        for locale in LOCALES:
            for part in ("heading", "body"):
                key = f"{section.section_id}.{part}_{locale}"
                value = getattr(section, f"{part}_{locale}")
                if not value:
                    add(
                        key,
                        _("Missing: this section exists in one language only.")
                        if written
                        else _("Write this part of the section."),
                    )
                    continue
                try:
                    versions.source_text(
                        0, locale, title="", changes="", body=value, section_ids=()
                    )
                except versions.PolicyError:
                    unknown = sorted(set(versions.variable_names(value)) - set(variables))
                    add(key, _("Unknown variable: %(names)s", names=", ".join(unknown)))
                if part == "body" and any(
                    line.startswith(("# ", "## ")) for line in value.splitlines()
                ):
                    add(key, _("Use ### or lower for headings inside a section."))
    return found


def translation_status(draft: PolicyDraft) -> dict[str, list[str]]:
    """Per language, the ids of the sections still missing in it."""
    return {
        locale: [
            s.section_id
            for s in draft.sections
            if not (getattr(s, f"heading_{locale}") and getattr(s, f"body_{locale}"))
        ]
        for locale in LOCALES
    }


def markdown_for(draft: PolicyDraft, locale: str) -> str:
    """The draft's text in one language in the file format: numbered `## ` headings."""
    return "\n\n".join(
        f"## {n}. {getattr(s, f'heading_{locale}')}\n\n{getattr(s, f'body_{locale}')}"
        for n, s in enumerate(draft.sections, start=1)
    )


def sources(draft: PolicyDraft, version: int) -> list[versions.SourceText]:
    """The draft's texts filled and rendered as employees will read them, one per language."""
    ids = tuple(s.section_id for s in draft.sections)
    return [
        versions.source_text(
            version,
            locale,
            title=getattr(draft, f"title_{locale}"),
            changes=getattr(draft, f"changes_{locale}"),
            body=markdown_for(draft, locale),
            section_ids=ids,
        )
        for locale in current_app.config["CHARTE_LOCALES"]
    ]


@dataclass(frozen=True)
class SectionPreview:
    """One section in one language as employees will read it, or why it cannot be shown."""

    locale: str
    html: Markup
    error: str = ""


def section_preview(heading: str, body: str, locale: str) -> SectionPreview:
    """A section rendered like the published text (variables filled, Markdown through the
    policy's one sanitising pipeline), from what the author typed, saved or not."""
    source = f"## {heading}\n\n{body}" if heading.strip() else body
    try:
        text = versions.source_text(0, locale, title="", changes="", body=source, section_ids=())
    except versions.PolicyError:
        unknown = sorted(
            set(versions.variable_names(source)) - set(settings.organisation_variables())
        )
        return SectionPreview(
            locale, Markup(""), _("Unknown variable: %(names)s", names=", ".join(unknown))
        )
    return SectionPreview(locale, Markup(text.html))  # noqa: S704  # nosec B704 - nh3-cleaned


def guidance(item: dict[str, Any] | None, locale: str) -> list[str]:
    """The outline's guidance for a section, one paragraph per line, in the reader's language."""
    if not item:
        return []
    text = item["guidance"].get(locale) or item["guidance"]["en"]
    return [typography.for_locale(line, locale) for line in text.splitlines() if line.strip()]


def digest(draft: PolicyDraft) -> str:
    """SHA-256 of the draft's texts as employees would read them now (titles, summaries and
    the SHA-256 of each rendered text), to tie an approval to exactly what was approved."""
    try:
        rendered = [(s.locale, s.title, s.changes, s.sha256) for s in sources(draft, 0)]
    except versions.PolicyError:  # an unknown variable: nothing approvable yet
        return ""
    return hashlib.sha256(json.dumps(rendered, ensure_ascii=False).encode()).hexdigest()
