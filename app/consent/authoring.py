"""The rules a consent text written in the browser must meet before it is published.

The same parser as the import from files (texts.parse_file), both locales of each purpose, and
no change to a text version already stored: people consented to that wording, so a changed
text needs a new `version` (the import would otherwise report it as a conflict and skip it).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.consent import texts
from app.core import content_store, settings
from app.core.client import ClientInfo
from app.extensions import db
from app.models.consent import ConsentPurpose, ConsentText
from app.models.user import User

# (file path, where in the file, message): the shape of the content check's errors.
Problem = tuple[str, str, str]


def check(files: dict[str, str], changed: set[str]) -> list[Problem]:
    """Problems of the consent files in `files` (all of them: the effective set with a draft)."""
    errors: list[Problem] = []
    locales = current_app.config["CHARTE_LOCALES"]
    stored = {
        (slug, t.version, t.locale): t.sha256
        for t, slug in db.session.execute(
            select(ConsentText, ConsentPurpose.slug).join(
                ConsentPurpose, ConsentPurpose.id == ConsentText.purpose_id
            )
        )
    }
    by_slug: dict[str, set[str]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for path, text in sorted(files.items()):
            if content_store.kind_of(path) != "consent":
                continue
            slug, locale = content_store.slug_locale(path)
            by_slug.setdefault(slug, set()).add(str(locale))
            if path not in changed:
                continue
            file = Path(folder) / path.rsplit("/", 1)[-1]
            file.write_bytes(text.encode("utf-8"))
            try:
                meta, body = texts.parse_file(file)
            except (texts.ConsentTextError, ValueError, TypeError) as exc:
                errors.append((path, "front matter", str(exc)))
                continue
            except Exception as exc:  # noqa: BLE001 - malformed YAML: name the file, not a 500
                errors.append((path, "front matter", f"not valid: {type(exc).__name__}"))
                continue
            if not isinstance(meta["version"], int) or isinstance(meta["version"], bool):
                errors.append((path, "version", "'version' must be a whole number"))
                continue
            if meta["slug"] != slug:
                errors.append((path, "slug", f"'slug' must be '{slug}' (the file name)"))
            if not body.strip():
                errors.append((path, "text", "the text is empty"))
            known = stored.get((slug, int(meta["version"]), str(locale)))
            if known is not None and known != _stored_digest(body):
                errors.append(
                    (
                        path,
                        "version",
                        f"version {meta['version']} is already stored with another wording: "
                        "raise 'version' (people consented to the stored text)",
                    )
                )
    for slug, found in by_slug.items():
        for locale in locales:
            if locale not in found:
                errors.append(
                    (
                        f"content/consent/{slug}.{sorted(found)[0]}.md",
                        "locales",
                        f"consent text '{slug}' has no {locale} file ({slug}.{locale}.md)",
                    )
                )
    return errors


def _stored_digest(body: str) -> str:
    # As the import stores it: variables filled, canonical form.
    return texts.text_digest(
        texts.normalise(texts.fill_variables(body, settings.organisation_variables()))
    )


def publish(actor: User, client: ClientInfo) -> texts.SyncReport:
    """Store the new consent text versions of the effective files (sealed, audited; commits)."""
    return texts.sync_from_files(actor=actor, client=client)
