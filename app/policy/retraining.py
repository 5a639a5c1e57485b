"""Training on what changed: the modules a major policy version makes due again.

A module declares the policy sections it teaches (`teaches:` in content/modules). When a major
version changed one of those sections (compared with the version before it, by stable section
id), whoever completed the module before that publication does it again: the module is due
`assignments.programme_due_days` days after the publication, and done once they pass its quiz
again after it.

Every major version counts, not only the latest: someone who learnt the module under version 1
and skipped version 2 must retrain on what changed from 1 to 3, the union of what 2 and 3
changed. Keeping, per module, the publication of the LATEST major version that changed one of
its sections says exactly that: a completion (or a pass) before that moment predates at least
one change to what the module teaches; one after it has seen every change. So the rule stays one
moment per module, computed once per process, and the due-date queries stay per module, never
per person.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core import process_cache
from app.extensions import db
from app.models.policy import PolicyText, PolicyVersion
from app.policy import redline, versions


def _first_texts(version: PolicyVersion) -> dict[str, PolicyText]:
    """The texts published with the version (minor 0): what the major version changed."""
    return {t.locale: t for t in version.texts if t.minor == 0}


def changed_sections(previous: PolicyVersion, current: PolicyVersion) -> set[str]:
    """Ids of the sections added, removed or reworded from `previous` (its latest wording) to
    `current` (as first published), in any language."""
    before, after = versions.latest_texts(previous), _first_texts(current)
    changed: set[str] = set()
    for locale, new in after.items():
        old = before.get(locale)
        if old is None or not old.section_ids or not new.section_ids:
            continue
        old_sections = {s.key: s for s in redline.split_sections(old.markdown, old.section_ids)}
        new_sections = {s.key: s for s in redline.split_sections(new.markdown, new.section_ids)}
        for key in old_sections.keys() | new_sections.keys():
            a, b = old_sections.get(key), new_sections.get(key)
            if a is None or b is None or (a.heading, a.body) != (b.heading, b.body):
                changed.add(key)
    return {key for key in changed if not key.startswith("#")}


def _load() -> dict[str, datetime]:
    published = list(
        db.session.scalars(
            select(PolicyVersion)
            .options(selectinload(PolicyVersion.texts))
            .order_by(PolicyVersion.version)
        )
    )
    latest_change: dict[str, datetime] = {}
    for previous, current in zip(published, published[1:], strict=False):
        sections = changed_sections(previous, current)
        for module in redline.modules_teaching(sections, "en") if sections else []:
            # Versions are in order: a later change replaces an earlier one's moment.
            latest_change[module.slug] = current.published_at
    return latest_change


def modules_due_again() -> dict[str, datetime]:
    """Module slug → publication of the latest major version that changed a section it teaches
    (per process): whoever completed the module before it does it again."""
    return process_cache.cached("policy_retraining", ["policy_version", "policy_text"], _load)
