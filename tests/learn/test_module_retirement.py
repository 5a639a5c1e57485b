"""Retiring a module in a draft, publishing it, restoring it: out of use, never deleted."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from app.assignments import due, targeting
from app.core import audit, content_store
from app.core.client import ClientInfo
from app.extensions import db
from app.learn.authoring import drafts, file_settings, retirement
from app.learn.content import catalog
from app.models.audit import AuditEvent
from app.models.certificate import Certificate
from app.models.learning import ContentDraft, ContentDraftFile, PublishedContentFile
from app.models.user import Role
from tests.conftest import csrf_token, make_user, post_form
from tests.learning_helpers import complete_module

SLUG = "managers"  # optional, and no policy section is taught by it alone
PATHS = [f"content/modules/{SLUG}.fr.md", f"content/modules/{SLUG}.en.md"]


def _draft_id() -> int:
    draft = ContentDraft(title="Retire a module")
    db.session.add(draft)
    db.session.commit()
    return draft.id


def _retire_url(draft_id: int, action: str = "retire", slug: str = SLUG) -> str:
    return f"/admin/content/drafts/{draft_id}/modules/{slug}/{action}"


def _publish(client, draft_id: int):
    page = f"/admin/content/drafts/{draft_id}"
    return post_form(client, f"{page}/publish", page=page, follow_redirects=True)


def _saved() -> int:
    return db.session.scalar(select(func.count()).select_from(ContentDraftFile))


def _due_slugs(person) -> set[str]:
    items = due.summaries([person], date.today() + timedelta(days=400))[person.id].items
    return {item.key.split(":", 1)[-1] for item in items}


def test_a_retired_module_leaves_learners_but_its_certificate_stays_valid(
    client, auth, admin, employee
):
    auth.login(employee.email)
    complete_module(client, SLUG)
    certificate = db.session.scalars(
        select(Certificate).where(Certificate.module_slug == SLUG)
    ).one()
    auth.logout()
    targeting.create(SLUG, "", [employee.id], date.today(), admin, ClientInfo.system())
    assert SLUG in _due_slugs(employee)

    auth.login(admin.email)
    draft_id = _draft_id()
    module_page = f"/admin/content/drafts/{draft_id}/modules/{SLUG}"
    assert "Retire this module" in client.get(module_page).get_data(as_text=True)
    confirm = client.get(_retire_url(draft_id)).get_data(as_text=True)
    assert "Retire the module managers?" in confirm
    assert "1 person completed it" in confirm and "1 certificate" in confirm
    response = post_form(client, _retire_url(draft_id), page=_retire_url(draft_id))
    assert response.status_code == 302
    draft = db.session.get(ContentDraft, draft_id)
    assert set(drafts.files(draft)) == set(PATHS)
    assert all(file_settings.is_retired(drafts.files(draft)[p]) for p in PATHS)
    # Saved, not published: learners still have it.
    assert catalog.module_or_none(SLUG) is not None
    page = client.get(module_page).get_data(as_text=True)
    assert "Restore this module" in page and "Retired" in page

    assert "Published" in _publish(client, draft_id).get_data(as_text=True)
    loaded = catalog.catalog()
    assert loaded.get(SLUG) is None and loaded.named(SLUG).retired
    assert SLUG not in {m.slug for m in loaded.modules}
    actions = db.session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.target_type == "module", AuditEvent.target_id == SLUG
        )
    ).all()
    assert "content.module_retired" in actions
    auth.logout()

    # The learner no longer sees it and it is no longer due, although it was assigned.
    auth.login(employee.email)
    assert client.get(f"/learn/{SLUG}").status_code == 404
    assert "/learn/managers" not in client.get("/").get_data(as_text=True)
    assert SLUG not in _due_slugs(employee)
    # Their certificate is still theirs, still listed, still verifiable.
    assert certificate.title_en in client.get("/me/certificates").get_data(as_text=True)
    auth.logout()
    verified = client.get(f"/verify/{certificate.code}?format=json").get_json()
    assert verified["status"] == "valid"
    auth.login(admin.email)
    history = client.get(f"/hr/employees/{employee.id}").get_data(as_text=True)
    assert catalog.catalog().named(SLUG).text("en").title.split(":")[0] in history

    # Restored from a new draft: back in the lists, the files as they were shipped.
    again = _draft_id()
    response = post_form(client, _retire_url(again, "restore"), page=_retire_url(again, "restore"))
    assert response.status_code == 302
    assert "Published" in _publish(client, again).get_data(as_text=True)
    assert catalog.module_or_none(SLUG) is not None
    shipped = content_store.shipped_files()
    assert all(content_store.effective_files()[p] == shipped[p] for p in PATHS)
    assert SLUG in _due_slugs(employee)
    report = audit.verify_all()
    assert report.ok, report.problems


def test_hr_and_employees_cannot_retire(client, auth, hr, employee):
    draft_id = _draft_id()
    for person in (hr, employee):
        auth.login(person.email)
        assert client.get(_retire_url(draft_id)).status_code == 403
        token = csrf_token(client, "/")
        assert client.post(_retire_url(draft_id), data={"csrf_token": token}).status_code == 403
        auth.logout()
    # Nor by writing the front matter by hand in the whole-file editor.
    auth.login(hr.email)
    url = f"/admin/content/drafts/{draft_id}/file?path={PATHS[0]}"
    text = file_settings.write_module(content_store.effective_files()[PATHS[0]], {"retired": True})
    response = post_form(client, url, {"text": text, "save": "Save"}, page=url)
    assert response.status_code == 422
    assert "only an administrator can retire or restore a module" in response.get_data(as_text=True)
    assert _saved() == 0
    assert "Only an administrator can retire" in client.get(
        f"/admin/content/drafts/{draft_id}/modules/{SLUG}"
    ).get_data(as_text=True)


def test_hr_cannot_publish_a_retirement_imported_from_files(app, tmp_path):
    folder = tmp_path / "files"
    content_store.write_folder(
        {
            p: file_settings.write_module(content_store.effective_files()[p], {"retired": True})
            for p in PATHS
        },
        folder,
    )
    result = app.test_cli_runner().invoke(args=["content", "import", str(folder)])
    assert result.exit_code == 0, result.output
    imported = db.session.scalars(select(ContentDraft)).one()
    hr = make_user("hr2@example.com", "Hal Second", role=Role.HR)
    try:
        drafts.publish(imported, actor=hr, client=ClientInfo.system())
    except drafts.DraftError as refused:
        assert "only an administrator" in str(refused)
    else:
        raise AssertionError("HR published a retirement")
    assert db.session.scalar(select(func.count()).select_from(PublishedContentFile)) == 0
    admin = make_user("boss@example.com", "Ada Admin", role=Role.ADMIN)
    assert drafts.publish(imported, actor=admin, client=ClientInfo.system()).ok
    assert catalog.module_or_none(SLUG) is None


def test_a_retirement_without_csrf_is_refused_and_changes_nothing(client, auth, admin):
    auth.login(admin.email)
    draft_id = _draft_id()
    assert client.post(_retire_url(draft_id)).status_code == 400
    assert _saved() == 0
    assert client.post(f"/admin/content/drafts/{draft_id}/publish").status_code == 400
    assert catalog.module_or_none(SLUG) is not None


def test_retiring_the_only_module_teaching_a_section_is_refused_with_the_reason(
    client, auth, admin
):
    auth.login(admin.email)
    draft_id = _draft_id()
    url = _retire_url(draft_id, slug="generative-ai")
    response = post_form(client, url, page=url)
    assert response.status_code == 422
    assert "no module step teaches it" in response.get_data(as_text=True)
    assert _saved() == 0


def test_a_retired_module_survives_export_import_and_the_content_check(app, tmp_path):
    admin = make_user("boss@example.com", "Ada Admin", role=Role.ADMIN)
    draft = drafts.create("Retire", actor=admin, client=ClientInfo.system())
    assert retirement.set_retired(draft, SLUG, True, actor=admin, client=ClientInfo.system()) == []
    assert drafts.publish(draft, actor=admin, client=ClientInfo.system()).ok
    runner = app.test_cli_runner()
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert "1 retired module(s)" in result.output
    result = runner.invoke(args=["content", "export", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    exported = (tmp_path / "out" / PATHS[1]).read_text(encoding="utf-8")
    assert "\nretired: true\n" in exported.split("\n---\n", 1)[0] + "\n"
    # Imported again, it is already the content: nothing to import.
    result = runner.invoke(args=["content", "import", str(tmp_path / "out")])
    assert "Nothing to import" in result.output
