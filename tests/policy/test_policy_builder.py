"""The policy builder: drafts from the outline, review by a second person, minor and major
versions through the one publish path, the redline and the modules on what changed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core import audit, settings
from app.core.client import ClientInfo
from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.audit import AuditEvent
from app.models.policy import PolicyDraft, PolicyText, PolicyVersion
from app.models.user import Role
from app.policy.builder import draft_content, drafts
from tests.conftest import make_user, post_form
from tests.policy_helpers import sign_form

pytestmark = pytest.mark.usefixtures("no_signing_prerequisites")

BASE = "/admin/policy/drafts"


def _revision(draft_id: int) -> str:
    db.session.expire_all()
    return str(db.session.get(PolicyDraft, draft_id).revision)


def _post(client, url, draft_id, data=None, **kwargs):
    payload = {"revision": _revision(draft_id), **(data or {})}
    return post_form(client, url, payload, page=f"{BASE}/{draft_id}", **kwargs)


def _new_draft(client, source="outline") -> int:
    response = post_form(client, f"{BASE}/new", {"source": source, "revision": "0"}, page=BASE)
    assert response.status_code == 302
    return int(re.search(r"/drafts/(\d+)", response.headers["Location"]).group(1))


def _publish(client, draft_id, kind, confirm=True, **kwargs):
    data = {"kind": kind, **({"confirm": "y"} if confirm else {})}
    return _post(client, f"{BASE}/{draft_id}/publish", draft_id, data, **kwargs)


@pytest.fixture
def reviewer(app):
    return make_user("reviewer@example.com", "Rita Reviewer", Role.HR)


def _approve(client, auth, reviewer, author, draft_id):
    auth.logout()
    auth.login(reviewer.email)
    response = _post(client, f"{BASE}/{draft_id}/approve", draft_id, follow_redirects=True)
    assert "You approved the draft" in response.get_data(as_text=True)
    auth.logout()
    auth.login(author.email)


def test_build_review_publish_minor_then_major_with_redline(client, auth, hr, reviewer, employee):
    auth.login(hr.email)
    draft_id = _new_draft(client)
    page = client.get(f"{BASE}/{draft_id}").get_data(as_text=True)
    assert "spokespeople" in page and "generative-ai" in page  # offered, not in the draft
    # Remove one section, add one from the outline, reorder.
    _post(client, f"{BASE}/{draft_id}/sections/working-time/remove", draft_id)
    _post(client, f"{BASE}/{draft_id}/sections", draft_id, {"section_id": "generative-ai"})
    _post(client, f"{BASE}/{draft_id}/sections/generative-ai/up", draft_id)
    draft = drafts.get(draft_id)
    ids = [s.section_id for s in draft.sections]
    assert "working-time" not in ids and ids[-2] == "generative-ai" and ids[-1] == "contacts"
    # Preview as employees read it, in both languages, variables filled.
    fr = client.get(f"{BASE}/{draft_id}/preview?lang=fr").get_data(as_text=True)
    en = client.get(f"{BASE}/{draft_id}/preview?lang=en").get_data(as_text=True)
    assert "Confidentialité" in fr and "Confidentiality" in en
    assert "{{" not in en and 'class="policy-text"' in en
    # The author cannot approve; publishing waits for the second person.
    response = _post(client, f"{BASE}/{draft_id}/approve", draft_id, follow_redirects=True)
    assert "Someone other than the author must approve" in response.get_data(as_text=True)
    response = _publish(client, draft_id, "major")
    assert db.session.scalar(select(func.count(PolicyVersion.id))) == 0
    _approve(client, auth, reviewer, hr, draft_id)
    page = client.get(f"{BASE}/{draft_id}/publish").get_data(as_text=True)
    assert "Major" in page
    response = _publish(client, draft_id, "major", follow_redirects=True)
    assert "Version 1 is published" in response.get_data(as_text=True)
    version = db.session.scalar(select(PolicyVersion))
    text = db.session.scalar(select(PolicyText).where(PolicyText.locale == "en"))
    assert version.version == 1 and text.section_ids.split()[-2:] == ["generative-ai", "contacts"]
    # The employee signs version 1.
    auth.logout()
    auth.login(employee.email)
    assert sign_form(client, name=employee.full_name, version=1).status_code == 302
    # A minor change: wording only, no new signature.
    auth.logout()
    auth.login(hr.email)
    minor_id = _new_draft(client, "current")
    section = drafts.find_section(drafts.get(minor_id), "respect")
    _post(
        client,
        f"{BASE}/{minor_id}/sections/respect",
        minor_id,
        {
            "heading_fr": section.heading_fr,
            "heading_en": section.heading_en,
            "body_fr": section.body_fr,
            "body_en": section.body_en.replace("towards anyone", "towards anybody"),
        },
    )
    _approve(client, auth, reviewer, hr, minor_id)
    response = _publish(client, minor_id, "minor", confirm=False, follow_redirects=True)
    assert "Version 1.1 is published" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PolicyVersion.id))) == 1
    auth.logout()
    auth.login(employee.email)
    page = client.get("/policy").get_data(as_text=True)
    assert "Version 1.1" in page and "towards anybody" in page and "Signed" in page
    assert "To sign again" not in page
    # A major change: the count is shown and must be confirmed.
    auth.logout()
    auth.login(hr.email)
    major_id = _new_draft(client, "current")
    section = drafts.find_section(drafts.get(major_id), "confidentiality")
    _post(
        client,
        f"{BASE}/{major_id}/sections/confidentiality",
        major_id,
        {
            "heading_fr": section.heading_fr,
            "heading_en": section.heading_en,
            "body_fr": section.body_fr + "\n4. Ne publiez aucune capture d’écran interne.",
            "body_en": section.body_en.replace("Do not disclose", "Never disclose")
            + "\n4. Do not post internal screenshots.",
        },
    )
    # The reviewer sees what the draft changes from the published text, and its history.
    preview = client.get(f"{BASE}/{major_id}/preview?lang=en").get_data(as_text=True)
    assert "Changes from the published version 1.1" in preview
    assert '<ins><span class="visually-hidden">inserted: </span>Never</ins>' in preview
    history = client.get(f"{BASE}/{major_id}").get_data(as_text=True)
    assert "Section edited <code>confidentiality</code>" in history and hr.full_name in history
    _approve(client, auth, reviewer, hr, major_id)
    page = client.get(f"{BASE}/{major_id}/publish").get_data(as_text=True)
    active = db.session.scalar(select(func.count()).select_from(type(hr)).where(type(hr).active))
    assert f"asks {active} active people to sign again" in page
    assert "1 of them signed the current version" in page
    response = _publish(client, major_id, "major", confirm=False)
    assert response.status_code == 422
    assert "Tick to confirm" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PolicyVersion.id))) == 1
    response = _publish(client, major_id, "major", follow_redirects=True)
    assert "Version 2 is published" in response.get_data(as_text=True)
    # The employee sees the redline, section by section, and the modules on what changed.
    auth.logout()
    auth.login(employee.email)
    page = client.get("/policy").get_data(as_text=True)
    assert "To sign again" in page
    assert '<del><span class="visually-hidden">deleted: </span>Do not</del>' in page
    assert '<ins><span class="visually-hidden">inserted: </span>Never</ins>' in page
    assert "internal screenshots" in page
    assert "Respect —" not in page  # unchanged sections are not listed
    assert "/learn/confidential-information" in page
    assert "/learn/account-security" not in page  # it teaches no changed section
    assert sign_form(client, name=employee.full_name, version=2).status_code == 302
    assert db.session.scalar(select(func.count(Acknowledgement.id))) == 2
    # Every authored change is audited, and the evidence still verifies.
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"policy.draft_created", "policy.draft_edited", "policy.draft_approved"} <= actions
    assert audit.verify_all().ok


def test_one_language_section_blocks_approval_and_publication(client, auth, hr, app):
    auth.login(hr.email)
    draft_id = _new_draft(client)
    _post(client, f"{BASE}/{draft_id}/sections", draft_id, {"section_id": "my-rule"})
    _post(
        client,
        f"{BASE}/{draft_id}/sections/my-rule",
        draft_id,
        {"heading_fr": "Ma règle", "body_fr": "Texte.", "heading_en": "", "body_en": ""},
    )
    page = client.get(f"{BASE}/{draft_id}/sections/my-rule").get_data(as_text=True)
    assert "this section exists in one language only" in page
    assert "Missing in EN: my-rule" in client.get(f"{BASE}/{draft_id}").get_data(as_text=True)
    # Even with the review turned off, the missing translation blocks publication.
    settings.update({drafts.REVIEW_REQUIRED.key: False}, actor=hr, client=ClientInfo.system())
    db.session.commit()
    response = _publish(client, draft_id, "major", follow_redirects=True)
    assert "Correct the problems" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PolicyVersion.id))) == 0


def test_unknown_variable_is_shown_next_to_the_field(client, auth, hr):
    auth.login(hr.email)
    draft_id = _new_draft(client)
    section = drafts.find_section(drafts.get(draft_id), "scope")
    _post(
        client,
        f"{BASE}/{draft_id}/sections/scope",
        draft_id,
        {
            "heading_fr": section.heading_fr,
            "heading_en": section.heading_en,
            "body_fr": section.body_fr,
            "body_en": "Hello {{ company_nickname }}.",
        },
    )
    page = client.get(f"{BASE}/{draft_id}/sections/scope").get_data(as_text=True)
    assert 'id="body_en-error"' in page and "company_nickname" in page


def test_stale_form_is_refused(client, auth, hr):
    auth.login(hr.email)
    draft_id = _new_draft(client)
    post_form(
        client,
        f"{BASE}/{draft_id}/sections/scope/down",
        {"revision": "1"},
        page=f"{BASE}/{draft_id}",
    )
    response = post_form(
        client,
        f"{BASE}/{draft_id}/sections/scope/down",
        {"revision": "1"},
        page=f"{BASE}/{draft_id}",
        follow_redirects=True,
    )
    assert "Someone changed this draft" in response.get_data(as_text=True)
    assert _revision(draft_id) == "2"


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.COMMUNICATIONS, Role.AUDITOR])
def test_other_roles_cannot_use_the_builder(client, auth, hr, role):
    auth.login(hr.email)
    draft_id = _new_draft(client)
    auth.logout()
    person = make_user(f"{role.value}@example.com", "Other Person", role)
    auth.login(person.email)
    assert client.get(BASE).status_code == 403
    assert client.get(f"{BASE}/{draft_id}").status_code == 403
    assert client.get(f"{BASE}/{draft_id}/preview").status_code == 403
    response = post_form(client, f"{BASE}/new", {"revision": "0"})
    assert response.status_code == 403


def test_missing_csrf_is_refused(client, auth, hr):
    auth.login(hr.email)
    draft_id = _new_draft(client)
    for url in (
        f"{BASE}/new",
        f"{BASE}/{draft_id}/approve",
        f"{BASE}/{draft_id}/sections/scope/up",
    ):
        assert client.post(url, data={"revision": "1"}).status_code == 400
    assert client.get(f"{BASE}/999").status_code == 404
    assert client.get(f"{BASE}/{draft_id}/sections/nope").status_code == 404


def test_the_outline_is_complete_in_both_languages(app):
    from app.learn.content.types import SECTION_ID_RE
    from app.policy import versions

    data = draft_content.outline()
    ids = [s["id"] for s in data["sections"]]
    assert len(ids) == len(set(ids)) and all(SECTION_ID_RE.match(i) for i in ids)
    # The outline names every section of the shipped policy, so modules' `teaches:` match it.
    shipped = (Path(app.config["CONTENT_DIR"]) / "policy" / "v3.en.md").read_text(encoding="utf-8")
    assert set(re.search(r"sections: \[(.*)\]", shipped).group(1).split(", ")) == set(ids)
    for section in data["sections"]:
        for locale in ("fr", "en"):
            assert section["heading"][locale] and section["guidance"][locale]
            # The starting text fills with the organisation's variables and renders.
            text = versions.source_text(
                1, locale, title="", changes="", body=section["start"][locale], section_ids=()
            )
            assert "{{" not in text.html and text.html.startswith("<")


def _service_publish(hr, reviewer, edit=None, *, major=True):
    system = ClientInfo.system()
    if edit is None:
        draft = drafts.create_from_outline(hr, system)
    else:
        draft = drafts.create_from_current(hr, system)
        section = drafts.find_section(draft, edit[0])
        values = {
            "heading_fr": section.heading_fr,
            "heading_en": section.heading_en,
            "body_fr": section.body_fr,
            "body_en": section.body_en.replace(edit[1], edit[2]),
        }
        drafts.update_section(
            draft, section, values, actor=hr, client=system, revision=draft.revision
        )
    drafts.approve(draft, actor=reviewer, client=system, revision=draft.revision)
    drafts.publish(draft, major=major, actor=hr, client=system, revision=draft.revision)
    db.session.commit()
    return draft


def test_a_signature_of_a_minor_revision_names_that_text(client, auth, hr, reviewer, employee):
    _service_publish(hr, reviewer)
    _service_publish(hr, reviewer, ("respect", "towards anyone", "towards anybody"), major=False)
    auth.login(employee.email)
    assert sign_form(client, name=employee.full_name, version=1).status_code == 302
    ack = db.session.scalar(select(Acknowledgement))
    minor_text = db.session.scalar(
        select(PolicyText).where(PolicyText.locale == "en", PolicyText.minor == 1)
    )
    assert ack.text_sha256 == minor_text.sha256
    page = client.get(f"/policy/acknowledgements/{ack.id}/text").get_data(as_text=True)
    assert "towards anybody" in page
    assert audit.verify_all().ok


def test_publishing_twice_or_by_the_last_editor_is_refused(client, auth, hr, reviewer, admin):
    draft = _service_publish(hr, reviewer)
    auth.login(hr.email)
    response = _publish(client, draft.id, "major", follow_redirects=True)
    assert "This draft is already published" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PolicyVersion.id))) == 1
    # The reviewer edits the next draft: now they may not approve it, the author may.
    next_draft = drafts.create_from_current(hr, ClientInfo.system())
    db.session.commit()
    auth.logout()
    auth.login(reviewer.email)
    _post(client, f"{BASE}/{next_draft.id}/sections/scope/down", next_draft.id)
    response = _post(
        client, f"{BASE}/{next_draft.id}/approve", next_draft.id, follow_redirects=True
    )
    assert "Someone other than the author must approve" in response.get_data(as_text=True)
    auth.logout()
    auth.login(admin.email)
    response = _post(
        client, f"{BASE}/{next_draft.id}/approve", next_draft.id, follow_redirects=True
    )
    assert "You approved the draft" in response.get_data(as_text=True)


def test_an_approval_covers_the_text_as_approved(client, auth, hr, reviewer):
    """Renaming the organisation after the approval changes the text: approve it again."""
    system = ClientInfo.system()
    draft = drafts.create_from_outline(hr, system)
    drafts.approve(draft, actor=reviewer, client=system, revision=draft.revision)
    db.session.commit()
    assert not drafts.review_needed(drafts.get(draft.id))
    settings.update({"organisation.name": "Renamed SAS"}, actor=hr, client=system)
    db.session.commit()
    assert drafts.review_needed(drafts.get(draft.id))
    auth.login(hr.email)
    response = _publish(client, draft.id, "major", follow_redirects=True)
    assert "A second person must approve" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PolicyVersion.id))) == 0
