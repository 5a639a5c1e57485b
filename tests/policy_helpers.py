"""Helpers shared by the policy tests: publish a version (from files or through the policy
builder), sign through the real form."""

from __future__ import annotations

from flask.testing import FlaskClient

from app.core.client import ClientInfo
from app.models.policy import PolicyVersion
from app.policy import versions
from app.policy.builder import drafts
from tests.conftest import PASSWORD, csrf_token


def publish(version: int = 1) -> PolicyVersion:
    """Publish a version from content/policy as the command line would."""
    return versions.publish(version, actor=None, client=ClientInfo.system())


def sign_form(
    client: FlaskClient,
    *,
    name: str,
    version: int = 1,
    password: str = PASSWORD,
    agree: bool = True,
    locale: str = "en",
    csrf: bool = True,
    follow: bool = False,
):
    """POST the signing form like a browser that loaded /policy first."""
    data = {"version": str(version), "locale": locale, "typed_name": name, "password": password}
    if agree:
        data["agree"] = "y"
    if csrf:
        data["csrf_token"] = csrf_token(client, "/policy")
    return client.post("/policy", data=data, follow_redirects=follow)


def add_to_section(draft, section_id: str, added_fr: str, added_en: str, actor) -> None:
    """Append text to one section of a builder draft, in both languages."""
    section = drafts.find_section(draft, section_id)
    values = {
        "heading_fr": section.heading_fr,
        "heading_en": section.heading_en,
        "body_fr": section.body_fr + added_fr,
        "body_en": section.body_en + added_en,
    }
    drafts.update_section(
        draft, section, values, actor=actor, client=ClientInfo.system(), revision=draft.revision
    )


def approve_and_publish(draft, author, reviewer, *, major: bool = True):
    """A second person approves the draft, then its author publishes it."""
    system = ClientInfo.system()
    drafts.approve(draft, actor=reviewer, client=system, revision=draft.revision)
    return drafts.publish(draft, major=major, actor=author, client=system, revision=draft.revision)


def publish_draft(
    author, reviewer, change: str | None = None, *, major: bool = True, from_outline: bool = False
):
    """Draft from the outline (asked, or first time) or the current version, with a rule added
    to the section `change`, approved and published."""
    system = ClientInfo.system()
    if from_outline or versions.current_version() is None:
        draft = drafts.create_from_outline(author, system)
    else:
        draft = drafts.create_from_current(author, system)
    if change:
        add_to_section(draft, change, "\n4. Nouvelle règle.", "\n4. A new rule.", author)
    return approve_and_publish(draft, author, reviewer, major=major)
