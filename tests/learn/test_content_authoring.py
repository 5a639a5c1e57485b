"""Content authoring in the browser: drafts, validation by field, publication, export and import."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core import audit, content_store, process_cache
from app.core.client import ClientInfo
from app.extensions import db
from app.learn.authoring import drafts, questions, steps
from app.learn.content import catalog
from app.models.audit import AuditEvent
from app.models.learning import (
    ContentDraft,
    ContentDraftFile,
    PublishedContentFile,
    QuizAttempt,
    QuizSnapshot,
)
from app.models.user import Role
from tests.conftest import BACKEND, _truncate_all, csrf_token, make_user, post_form
from tests.learning_helpers import read_all_steps

SLUG = "why-a-policy"
QUIZ = f"quizzes/{SLUG}.yaml"
NEW_PROMPT = "When does the charter apply to what you post online?"


def _question_form(number: int = 1, **changes) -> dict:
    data = questions.parse(content_store.effective_files()[QUIZ])["questions"][number - 1]
    form = questions.to_form(data)
    form.update(changes)
    return form


def _new_draft(client) -> int:
    response = post_form(
        client, "/admin/content/drafts", {"title": "Spring update"}, page="/admin/content"
    )
    assert response.status_code == 302, response.status_code
    return int(response.location.rstrip("/").rsplit("/", 1)[-1])


def _saved_files() -> int:
    return db.session.scalar(select(func.count()).select_from(ContentDraftFile))


def test_a_quiz_question_is_edited_checked_published_and_used_by_the_next_attempt(
    client, auth, hr, employee
):
    auth.login(hr.email)
    draft_id = _new_draft(client)
    url = f"/admin/content/drafts/{draft_id}/quizzes/{SLUG}/1"
    page = client.get(url).get_data(as_text=True)
    assert "Question 1 of the quiz" in page and "Quand la charte" in page

    # An invalid edit: the error is next to the field, and nothing is saved.
    bad = _question_form(correct="zz", save="Save in the draft")
    response = post_form(client, url, bad, page=url)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="correct-error"' in body and "&#39;zz&#39; is not one of the choice ids" in body
    assert _saved_files() == 0

    # Preview shows the question as employees will see it, saving nothing.
    shown = post_form(
        client, url, _question_form(prompt_en=NEW_PROMPT, preview="Preview"), page=url
    )
    assert shown.status_code == 200 and NEW_PROMPT in shown.get_data(as_text=True)
    assert _saved_files() == 0

    good = _question_form(prompt_en=NEW_PROMPT, save="Save in the draft")
    assert post_form(client, url, good, page=url).status_code == 302
    assert _saved_files() == 1

    # The draft is invisible to employees: their quiz is still the published one.
    assert NEW_PROMPT not in str(catalog.module_or_none(SLUG).quiz.definition)
    auth.logout()
    auth.login(employee.email)
    assert client.get(f"/admin/content/drafts/{draft_id}").status_code == 403
    first = read_all_steps(client, SLUG)
    assert first
    auth.logout()

    auth.login(hr.email)
    draft_page = f"/admin/content/drafts/{draft_id}"
    shown = client.get(draft_page).get_data(as_text=True)
    assert "The content check passes" in shown
    assert "Saved versions" in shown and "Hugo Humain" in shown  # who saved what, when
    response = post_form(client, f"{draft_page}/publish", page=draft_page)
    assert response.status_code == 302
    assert db.session.get(ContentDraft, draft_id).state == "published"
    # A double submission publishes nothing more: the draft is closed.
    assert post_form(client, f"{draft_page}/publish", page=draft_page).status_code == 409
    assert db.session.scalar(select(func.count()).select_from(PublishedContentFile)) == 1
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_type == "content_draft")
    ).all()
    assert actions == ["content.draft_created", "content.draft_saved", "content.published"]
    auth.logout()

    # The employee's next attempt is drawn from the new quiz.
    auth.login(employee.email)
    client.get(f"/learn/{SLUG}")
    post_form(client, f"/learn/{SLUG}/6", {"action": "quiz"}, page=f"/learn/{SLUG}/6")
    attempt = db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.id.desc())).first()
    snapshot = db.session.get(QuizSnapshot, attempt.quiz_hash)
    assert snapshot.definition["questions"][0]["prompt"]["en"] == NEW_PROMPT
    # Published content is evidence: sealed and named in the audit log.
    report = audit.verify_all()
    assert report.ok, report.problems
    assert report.checked.get("published content files") == 1


def test_only_hr_and_admins_reach_authoring(client, auth, employee):
    manager = make_user("boss@example.com", "Bea Boss")
    employee.manager_id = manager.id
    db.session.commit()
    for person in (employee, manager):
        auth.login(person.email)
        assert client.get("/admin/content").status_code == 403
        token = csrf_token(client, "/")
        response = client.post("/admin/content/drafts", data={"title": "x", "csrf_token": token})
        assert response.status_code == 403
        auth.logout()
    assert db.session.scalar(select(func.count()).select_from(ContentDraft)) == 0


def test_a_post_without_csrf_is_refused_and_saves_nothing(client, auth, hr):
    auth.login(hr.email)
    draft_id = _new_draft(client)
    url = f"/admin/content/drafts/{draft_id}/quizzes/{SLUG}/1"
    response = client.post(url, data=_question_form(prompt_en="Changed", save="Save"))
    assert response.status_code == 400
    assert client.post(f"/admin/content/drafts/{draft_id}/publish").status_code == 400
    assert _saved_files() == 0
    assert db.session.get(ContentDraft, draft_id).state == "open"


def test_a_text_in_one_language_is_saved_but_cannot_be_published(client, auth, admin):
    auth.login(admin.email)
    draft_id = _new_draft(client)
    url = f"/admin/content/drafts/{draft_id}/quizzes/{SLUG}/2"
    response = post_form(client, url, _question_form(2, prompt_en="", save="Save"), page=url)
    assert response.status_code == 302  # saved: a translator finishes it later
    draft_page = f"/admin/content/drafts/{draft_id}"
    page = client.get(draft_page).get_data(as_text=True)
    assert "the en text is missing" in page and "in one language only" in page
    response = post_form(client, f"{draft_page}/publish", page=draft_page, follow_redirects=True)
    assert "Not published" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PublishedContentFile)) == 0
    assert db.session.get(ContentDraft, draft_id).state == "open"


def test_a_step_is_edited_in_both_languages_with_its_preview(client, auth, hr):
    auth.login(hr.email)
    draft_id = _new_draft(client)
    url = f"/admin/content/drafts/{draft_id}/modules/{SLUG}/steps/2"
    page = client.get(url).get_data(as_text=True)
    assert "Un guide pour vous" in page
    fr_text = content_store.effective_files()[f"content/modules/{SLUG}.fr.md"]
    en_text = content_store.effective_files()[f"content/modules/{SLUG}.en.md"]
    data = {
        "title_fr": steps.read(fr_text, 2)[0],
        "body_fr": steps.read(fr_text, 2)[1] + "\n\nUne **phrase** ajoutée.",
        "title_en": steps.read(en_text, 2)[0],
        "body_en": steps.read(en_text, 2)[1] + "\n\nAn **added** sentence.<script>x</script>",
    }
    shown = post_form(client, url, {**data, "preview": "Preview"}, page=url).get_data(as_text=True)
    assert "<strong>added</strong>" in shown and "<script>x" not in shown
    assert post_form(client, url, {**data, "save": "Save"}, page=url).status_code == 302
    # A heading removed in English only: the steps no longer match and the save is refused.
    broken = {**data, "body_en": data["body_en"] + "\n\n## A new step", "save": "Save"}
    assert post_form(client, url, broken, page=url).status_code == 422
    assert set(drafts.files(db.session.get(ContentDraft, draft_id))) == {
        f"content/modules/{SLUG}.fr.md",
        f"content/modules/{SLUG}.en.md",
    }


def _empty_instance() -> None:
    """Drop every row, as a new installation with the same shipped files would have."""
    if BACKEND == "postgresql":
        _truncate_all()
    else:
        for table in reversed(db.metadata.sorted_tables):  # children before parents
            db.session.execute(table.delete())
        db.session.commit()
    process_cache.clear()


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_export_then_import_into_an_empty_instance_then_export_gives_identical_files(app, tmp_path):
    client_info = ClientInfo.system()
    author = make_user("author@example.com", "Ann Author", role=Role.HR)
    draft = drafts.create("Edits", actor=author, client=client_info)
    quiz = content_store.effective_files()[QUIZ]
    question = questions.parse(quiz)["questions"][0]
    question["prompt"]["en"] = NEW_PROMPT
    module = {
        path: text.rstrip("\n") + "\n\nOne more line.\n"
        for path, text in content_store.effective_files().items()
        if path.startswith(f"content/modules/{SLUG}.")
    }
    changes = {QUIZ: questions.replace(quiz, 0, question), **module}
    assert drafts.save_files(draft, changes, actor=author, client=client_info)
    assert drafts.publish(draft, actor=author, client=client_info).ok
    runner = app.test_cli_runner()
    first, second = tmp_path / "first", tmp_path / "second"
    result = runner.invoke(args=["content", "export", str(first)])
    assert result.exit_code == 0, result.output
    assert NEW_PROMPT in (first / QUIZ).read_text(encoding="utf-8")

    _empty_instance()
    assert NEW_PROMPT not in content_store.effective_files()[QUIZ]
    result = runner.invoke(args=["content", "import", str(first)])
    assert result.exit_code == 0, result.output
    assert "3 file(s) changed" in result.output
    # Imported, not published: employees still get the shipped quiz.
    assert NEW_PROMPT not in str(catalog.module_or_none(SLUG).quiz.definition)
    imported = db.session.scalars(select(ContentDraft)).one()
    publisher = make_user("hr2@example.com", "Hal Second", role=Role.HR)
    assert drafts.publish(imported, actor=publisher, client=client_info).ok
    result = runner.invoke(args=["content", "export", str(second)])
    assert result.exit_code == 0, result.output
    assert _tree(first) == _tree(second)
    assert NEW_PROMPT in str(catalog.module_or_none(SLUG).quiz.definition)


def test_a_closed_draft_takes_no_more_edits(app):
    author = make_user("author@example.com", "Ann Author", role=Role.HR)
    draft = drafts.create("Gone", actor=author, client=ClientInfo.system())
    drafts.discard(draft, actor=author, client=ClientInfo.system())
    with pytest.raises(drafts.DraftError):
        drafts.save_files(draft, {QUIZ: "x"}, actor=author, client=ClientInfo.system())
    with pytest.raises(drafts.DraftError):
        drafts.publish(draft, actor=author, client=ClientInfo.system())


def test_a_path_outside_the_content_files_is_refused(app):
    author = make_user("author@example.com", "Ann Author", role=Role.HR)
    draft = drafts.create("Paths", actor=author, client=ClientInfo.system())
    for path in ("../etc/passwd", "content/policy/v9.fr.md", "quizzes/a/b.yaml", "app.py"):
        with pytest.raises(drafts.DraftError):
            drafts.save_files(draft, {path: "x"}, actor=author, client=ClientInfo.system())


CONSENT_EN = "content/consent/social-media.en.md"
CONSENT_FR = "content/consent/social-media.fr.md"


def _consent_edit(path: str, version: int, sentence: str) -> str:
    text = content_store.effective_files()[path]
    return text.replace("version: 2", f"version: {version}", 1).rstrip("\n") + f"\n\n{sentence}\n"


def test_a_consent_text_needs_a_new_version_then_is_published_as_a_sealed_text(
    client, auth, hr, purposes
):
    from app.models.consent import ConsentPurpose, ConsentText

    auth.login(hr.email)
    draft_id = _new_draft(client)
    url = f"/admin/content/drafts/{draft_id}/file?path={CONSENT_EN}"
    assert "official social-media accounts" in client.get(url).get_data(as_text=True)
    # The wording people consented to cannot change under the same version number.
    same = _consent_edit(CONSENT_EN, 2, "A new **sentence**.")
    response = post_form(client, url, {"text": same, "save": "Save"}, page=url)
    assert response.status_code == 422
    assert "raise &#39;version&#39;" in response.get_data(as_text=True)
    assert _saved_files() == 0
    shown = post_form(client, url, {"text": same, "preview": "Preview"}, page=url)
    assert "A new <strong>sentence</strong>." in shown.get_data(as_text=True)

    changes = {
        CONSENT_EN: _consent_edit(CONSENT_EN, 3, "A new sentence."),
        CONSENT_FR: _consent_edit(CONSENT_FR, 3, "Une nouvelle phrase."),
    }
    for path, text_ in changes.items():
        page = f"/admin/content/drafts/{draft_id}/file?path={path}"
        assert (
            post_form(client, page, {"text": text_, "save": "Save"}, page=page).status_code == 302
        )
    draft_page = f"/admin/content/drafts/{draft_id}"
    assert post_form(client, f"{draft_page}/publish", page=draft_page).status_code == 302
    purpose = db.session.scalar(select(ConsentPurpose).where(ConsentPurpose.slug == "social-media"))
    stored = db.session.scalars(
        select(ConsentText).where(ConsentText.purpose_id == purpose.id, ConsentText.version == 3)
    ).all()
    assert {t.locale for t in stored} == {"fr", "en"}
    assert "A new sentence." in next(t.markdown for t in stored if t.locale == "en")
    report = audit.verify_all()
    assert report.ok, report.problems


def test_a_consent_text_in_one_language_only_is_not_published(app, purposes):
    author = make_user("author@example.com", "Ann Author", role=Role.HR)
    draft = drafts.create("New purpose", actor=author, client=ClientInfo.system())
    text_ = content_store.effective_files()[CONSENT_EN].replace(
        "slug: social-media", "slug: intranet-video", 1
    )
    drafts.save_files(
        draft,
        {"content/consent/intranet-video.en.md": text_},
        actor=author,
        client=ClientInfo.system(),
    )
    result = drafts.publish(draft, actor=author, client=ClientInfo.system())
    assert not result.ok
    assert any("has no fr file" in e.message for e in result.errors)
    assert db.session.scalar(select(func.count()).select_from(PublishedContentFile)) == 0


def test_a_new_module_in_french_only_is_saved_but_not_published(app):
    author = make_user("author@example.com", "Ann Author", role=Role.HR)
    draft = drafts.create("New module", actor=author, client=ClientInfo.system())
    files = content_store.effective_files()
    french = files[f"content/modules/{SLUG}.fr.md"]
    french = french.replace(f"slug: {SLUG}", "slug: new-module", 1).replace(
        "order: 1", "order: 99", 1
    )
    quiz = files[QUIZ].replace(f"module: {SLUG}", "module: new-module", 1)
    changes = {"content/modules/new-module.fr.md": french, "quizzes/new-module.yaml": quiz}
    assert drafts.save_files(draft, changes, actor=author, client=ClientInfo.system())
    result = drafts.publish(draft, actor=author, client=ClientInfo.system())
    assert not result.ok
    assert [e.message for e in result.errors] == [
        "module 'new-module' has no en file (new-module.en.md)"
    ]
    assert catalog.module_or_none("new-module") is None


def test_an_error_the_edit_causes_elsewhere_in_the_quiz_is_shown_above_the_form(client, auth, hr):
    auth.login(hr.email)
    draft_id = _new_draft(client)
    url = f"/admin/content/drafts/{draft_id}/quizzes/{SLUG}/1"
    # The id of the second question: the loader reports the duplicate on that question.
    response = post_form(client, url, _question_form(qid="what-is-covered", save="Save"), page=url)
    assert response.status_code == 422
    assert "question id &#39;what-is-covered&#39; is used twice" in response.get_data(as_text=True)
    assert _saved_files() == 0
