"""The policy in `flask content export|import`: the published policy goes out in the files
content/policy reads, comes back as a policy builder draft (never published), and the round trip
through an empty instance gives the same files byte for byte; a malformed file imports nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core.client import ClientInfo
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.learning import ContentDraft
from app.models.policy import PolicyDraft, PolicyVersion
from app.models.user import Role
from app.policy import versions
from app.policy.builder import drafts
from tests.conftest import make_user
from tests.learn.test_content_authoring import _empty_instance, _tree
from tests.policy_helpers import add_to_section, approve_and_publish

SYSTEM = ClientInfo.system()


def _people():
    return (
        make_user("author@example.com", "Ann Author", Role.HR),
        make_user("reviewer@example.com", "Rita Reviewer", Role.HR),
    )


def _build_and_publish(author, reviewer) -> None:
    """Version 1 from the outline with one section reworded, then a minor revision (1.1)."""
    draft = drafts.create_from_outline(author, SYSTEM)
    drafts.update_details(
        draft,
        {
            "title_fr": "Charte « réseaux » : la nôtre",
            "title_en": "Our social-media policy",
            "changes_fr": "Première version.",
            "changes_en": "First version.",
        },
        actor=author,
        client=SYSTEM,
        revision=draft.revision,
    )
    add_to_section(
        draft,
        "respect",
        "\n\n### Exemples\n\n- « Soyez courtois » !",
        "\n\n### Examples\n\n- Be *courteous*.",
        author,
    )
    approve_and_publish(draft, author, reviewer)
    minor = drafts.create_from_current(author, SYSTEM)
    add_to_section(minor, "contacts", " Merci.", " Thank you.", author)
    approve_and_publish(minor, author, reviewer, major=False)


def test_policy_round_trip_through_an_empty_instance(app, tmp_path):
    author, reviewer = _people()
    _build_and_publish(author, reviewer)
    assert versions.label(versions.current_version()) == "1.1"
    runner = app.test_cli_runner()
    first, second = tmp_path / "first", tmp_path / "second"
    result = runner.invoke(args=["content", "export", str(first)])
    assert result.exit_code == 0, result.output
    exported = (first / "content/policy/v1.en.md").read_text(encoding="utf-8")
    assert exported.startswith('---\nversion: 1\ntitle: "Our social-media policy"\n')
    assert "Be *courteous*." in exported and "Thank you." in exported  # the latest revision
    assert (first / "content/policy/v1.fr.md").is_file()

    # Instance B: nothing in the database; the import makes a draft, publishes nothing.
    _empty_instance()
    result = runner.invoke(args=["content", "import", str(first)])
    assert result.exit_code == 0, result.output
    assert "Policy: draft" in result.output
    assert db.session.scalar(select(func.count()).select_from(PolicyVersion)) == 0
    imported = drafts.get(db.session.scalars(select(PolicyDraft.id)).one())
    assert not imported.published and imported.author_id is None
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "policy.draft_created")
    ).one()
    assert '"import"' in event.details
    # Approved and published in B by its own people, then exported again: the same bytes.
    author, reviewer = _people()
    drafts.approve(imported, actor=reviewer, client=SYSTEM, revision=imported.revision)
    drafts.publish(imported, major=True, actor=author, client=SYSTEM, revision=imported.revision)
    result = runner.invoke(args=["content", "export", str(second)])
    assert result.exit_code == 0, result.output
    assert _tree(first) == _tree(second)
    # Importing what is already published makes no new draft.
    result = runner.invoke(args=["content", "import", str(second)])
    assert result.exit_code == 0 and "no draft made" in result.output
    assert db.session.scalar(select(func.count()).select_from(PolicyDraft)) == 1


def _valid_folder(folder: Path) -> None:
    """A folder with a changed module file and a valid policy version 2, to break below."""
    for locale, title in (("fr", "Charte"), ("en", "Policy")):
        (folder / "content/policy").mkdir(parents=True, exist_ok=True)
        (folder / f"content/policy/v2.{locale}.md").write_text(
            f'---\nversion: 2\ntitle: "{title}"\nsections: [scope, contacts]\nchanges: ""\n---\n\n'
            "## 1. Scope\n\nFor {{ organisation_name }}.\n\n## 2. Contacts\n\nAsk HR.\n",
            encoding="utf-8",
        )
    (folder / "content/modules").mkdir(parents=True, exist_ok=True)
    source = Path(app_content_dir()) / "modules" / "why-a-policy.en.md"
    (folder / "content/modules/why-a-policy.en.md").write_text(
        source.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8"
    )


def app_content_dir() -> str:
    from flask import current_app

    return current_app.config["CONTENT_DIR"]


BREAKAGES = {
    "sections": (
        "v2.en.md",
        lambda t: t.replace("[scope, contacts]", "[scope, contacts, respect]"),
        "content/policy/v2.en.md: 3 section id(s) in the header, 2 `## ` heading(s)",
    ),
    "variable": (
        "v2.fr.md",
        lambda t: t.replace("Ask HR.", "Ask {{ nobody }}."),
        "content/policy/v2.fr.md: unknown variable(s): nobody",
    ),
    "header": (
        "v2.en.md",
        lambda t: t.replace("version: 2", "version: 7"),
        "content/policy/v2.en.md: the header needs `version: 2`",
    ),
    "ids": (
        "v2.fr.md",
        lambda t: t.replace("[scope, contacts]", "[contacts, scope]"),
        "the same section ids, in the same order, are needed in both languages",
    ),
    "missing": ("v2.fr.md", None, "content/policy/v2.fr.md: missing"),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_a_malformed_policy_file_stops_the_import(app, tmp_path, breakage):
    name, change, message = BREAKAGES[breakage]
    _valid_folder(tmp_path)
    path = tmp_path / "content/policy" / name
    if change is None:
        path.unlink()
    else:
        path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["content", "import", str(tmp_path)])
    assert result.exit_code == 1
    assert message in result.output and "Nothing was imported." in result.output
    # Neither the policy nor the module file was imported.
    assert db.session.scalar(select(func.count()).select_from(PolicyDraft)) == 0
    assert db.session.scalar(select(func.count()).select_from(ContentDraft)) == 0


def test_a_valid_policy_folder_imports_as_a_draft(app, tmp_path):
    _valid_folder(tmp_path)
    result = app.test_cli_runner().invoke(args=["content", "import", str(tmp_path)])
    assert result.exit_code == 0, result.output
    draft = drafts.get(db.session.scalars(select(PolicyDraft.id)).one())
    assert [s.section_id for s in draft.sections] == ["scope", "contacts"]
    assert draft.sections[0].body_en == "For {{ organisation_name }}."  # the variable is kept
    assert draft.title_fr == "Charte" and not draft.published
    assert db.session.scalar(select(func.count()).select_from(ContentDraft)) == 1
    assert db.session.scalar(select(func.count()).select_from(PolicyVersion)) == 0
