"""A module's settings and its quiz's settings as form fields: lossless, checked, by field."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from app.core import content_store
from app.extensions import db
from app.learn.authoring import drafts, file_settings
from app.models.learning import ContentDraft, ContentDraftFile
from tests.conftest import post_form

SLUG = "why-a-policy"
FR, EN, QUIZ = (
    f"content/modules/{SLUG}.fr.md",
    f"content/modules/{SLUG}.en.md",
    f"quizzes/{SLUG}.yaml",
)


class _FormReader(HTMLParser):
    """The fields a browser would send for the form posting to `action` (checked boxes only)."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.fields = action, False, {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("action") == self.action
        elif self.inside and tag == "input" and attrs.get("name"):
            if attrs.get("type") == "checkbox" and "checked" not in attrs:
                return
            if attrs.get("type") != "submit":
                self.fields[attrs["name"]] = attrs.get("value") or ""
        elif self.inside and tag == "textarea":
            self._textarea = attrs["name"]
            self.fields[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            # A browser drops the newline right after <textarea>, as WTForms writes one.
            self.fields[self._textarea] = self.fields[self._textarea].removeprefix("\r\n")
            self.fields[self._textarea] = self.fields[self._textarea].removeprefix("\n")
            self._textarea = None
        elif tag == "form":
            self.inside = False


def _form_fields(client, page: str, action: str) -> dict[str, str]:
    reader = _FormReader(action)
    reader.feed(client.get(page).get_data(as_text=True))
    assert reader.fields, f"no form posting to {action} on {page}"
    return reader.fields


def _draft() -> int:
    draft = ContentDraft(title="Settings")
    db.session.add(draft)
    db.session.commit()
    return draft.id


def _saved() -> int:
    return db.session.scalar(select(func.count()).select_from(ContentDraftFile))


def _urls(draft_id: int, slug: str = SLUG) -> tuple[str, str, str]:
    page = f"/admin/content/drafts/{draft_id}/modules/{slug}"
    base = f"/admin/content/drafts/{draft_id}"
    return page, f"{base}/modules/{slug}/settings", f"{base}/quizzes/{slug}/settings"


def test_every_module_and_quiz_sent_back_unchanged_leaves_its_files_byte_identical(
    client, auth, hr
):
    auth.login(hr.email)
    draft_id = _draft()
    effective = content_store.effective_files()
    slugs = sorted({p.rsplit("/", 1)[1].split(".")[0] for p in effective if "/modules/" in p})
    for slug in slugs:
        page, module_url, quiz_url = _urls(draft_id, slug)
        for url in (module_url, quiz_url):
            fields = _form_fields(client, page, url)
            response = post_form(client, url, fields, page=page, follow_redirects=True)
            assert response.status_code == 200, (slug, url, response.get_data(as_text=True)[:3000])
            assert "Nothing changed." in response.get_data(as_text=True), (slug, url)
    assert _saved() == 0
    draft = db.session.get(ContentDraft, draft_id)
    for path, text in effective.items():
        assert drafts.current_text(draft, path) == text


def test_a_new_english_title_changes_one_line_of_one_file(client, auth, hr):
    auth.login(hr.email)
    draft_id = _draft()
    page, module_url, _quiz = _urls(draft_id)
    fields = _form_fields(client, page, module_url)
    assert fields["title_en"] == "Why a social-media policy?"
    assert fields["required"] == "y" and fields["minutes"] == "7"
    fields["title_en"] = "Why we have a social-media policy: “ours”"
    response = post_form(client, module_url, fields, page=page)
    assert response.status_code == 302
    draft = db.session.get(ContentDraft, draft_id)
    assert set(drafts.files(draft)) == {EN}  # the French file did not change
    before = content_store.effective_files()[EN].split("\n")
    after = drafts.files(draft)[EN].split("\n")
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [
        (
            'title: "Why a social-media policy?"',
            'title: "Why we have a social-media policy: “ours”"',
        )
    ]
    assert file_settings.module_values(drafts.files(draft)[EN])["title"].endswith("“ours”")


def test_shared_settings_are_written_to_both_files(client, auth, hr):
    auth.login(hr.email)
    draft_id = _draft()
    page, module_url, _quiz = _urls(draft_id)
    fields = _form_fields(client, page, module_url)
    del fields["required"]  # unticked: optional from now on
    fields["version"] = "3"
    fields["teaches"] = "scope: 1, 2, 3, 4\nspokespeople: 4\nworking-time: 5, 6"
    assert post_form(client, module_url, fields, page=page).status_code == 302
    mine = drafts.files(db.session.get(ContentDraft, draft_id))
    for path in (FR, EN):
        values = file_settings.module_values(mine[path])
        assert values["required"] is False and values["version"] == 3
        assert values["teaches"]["working-time"] == [5, 6]
    assert drafts.validate(db.session.get(ContentDraft, draft_id)).ok


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title_fr": ""}, "title_fr", "&#39;title&#39; must not be empty"),
        ({"minutes": "0"}, "minutes", "&#39;minutes&#39; must be at least 1"),
        ({"minutes": "seven"}, "minutes", "Not a valid integer value"),
        ({"teaches": "scope 1"}, "teaches", "Write each line as a section id"),
        ({"teaches": "no-such-section: 1"}, None, "is not a section of policy version"),
    ],
)
def test_a_bad_module_setting_is_shown_next_to_its_field_and_nothing_is_saved(
    client, auth, hr, change, field, message
):
    auth.login(hr.email)
    draft_id = _draft()
    page, module_url, _quiz = _urls(draft_id)
    fields = {**_form_fields(client, page, module_url), **change}
    response = post_form(client, module_url, fields, page=page)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    if field:
        error = body.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
        assert message in error
        assert f'aria-describedby="{field}' in body or f'{field}-error"' in body
    else:
        assert message in body
    assert _saved() == 0


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"draw": "20"}, "draw", "the pool has"),
        ({"draw": "0"}, "draw", "&#39;draw&#39; must be a whole number of at least 1"),
        ({"pass_mark": "101"}, "pass_mark", "between 1 and 100"),
        ({"pass_mark": "0"}, "pass_mark", "between 1 and 100"),
        ({"quiz_version": ""}, "quiz_version", "Not a valid integer value"),
    ],
)
def test_a_bad_quiz_setting_is_shown_next_to_its_field_and_nothing_is_saved(
    client, auth, hr, change, field, message
):
    auth.login(hr.email)
    draft_id = _draft()
    page, _module, quiz_url = _urls(draft_id)
    fields = {**_form_fields(client, page, quiz_url), **change}
    response = post_form(client, quiz_url, fields, page=page)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    error = body.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert _saved() == 0


def test_the_draw_is_changed_or_removed_in_place(client, auth, hr):
    auth.login(hr.email)
    draft_id = _draft()
    page, _module, quiz_url = _urls(draft_id)
    original = content_store.effective_files()[QUIZ]
    fields = _form_fields(client, page, quiz_url)
    assert fields["draw"] == str(file_settings.quiz_values(original)["draw"])
    removed = {**fields, "draw": ""}
    assert post_form(client, quiz_url, removed, page=page).status_code == 302
    text = drafts.files(db.session.get(ContentDraft, draft_id))[QUIZ]
    assert "draw" not in file_settings.quiz_values(text)
    lines = [line for line in original.split("\n") if not line.startswith("draw:")]
    assert text == "\n".join(lines)
    # Back to the original draw: the file is the original again (a new line above the questions).
    assert post_form(client, quiz_url, fields, page=page).status_code == 302
    again = drafts.files(db.session.get(ContentDraft, draft_id))[QUIZ]
    assert file_settings.quiz_values(again) == file_settings.quiz_values(original)


def test_settings_need_the_csrf_token_and_an_author(client, auth, hr, employee):
    auth.login(hr.email)
    draft_id = _draft()
    page, module_url, quiz_url = _urls(draft_id)
    module_fields = _form_fields(client, page, module_url)
    quiz_fields = _form_fields(client, page, quiz_url)
    for url, fields in ((module_url, module_fields), (quiz_url, quiz_fields)):
        changed = {**fields, "minutes": "9", "pass_mark": "90"}
        changed.pop("csrf_token", None)
        assert client.post(url, data=changed).status_code == 400
    auth.logout()
    auth.login(employee.email)
    assert client.get(page).status_code == 403
    # The employee's own valid token (the HR session's was renewed at the sign-out): the role,
    # not the token, is what refuses it.
    fields = {name: value for name, value in module_fields.items() if name != "csrf_token"}
    response = post_form(client, module_url, {**fields, "minutes": "9"})
    assert response.status_code == 403
    assert _saved() == 0


def test_front_matter_lines_are_read_and_written_in_place():
    text = '---\nslug: a\ntitle: "A"\nteaches:\n  scope: [1]\n  other: [2]\n\nminutes: 3\n---\n\n## S\n'
    assert file_settings.key_at_line(text, 5, front_matter=True) == "teaches"
    assert file_settings.key_at_line(text, 8, front_matter=True) == "minutes"
    assert file_settings.write_module(text, {"title": "A", "minutes": 3}) == text
    rewritten = file_settings.write_module(text, {"teaches": {"scope": [1, 2]}, "retired": True})
    assert rewritten == (
        '---\nslug: a\ntitle: "A"\nteaches: {scope: [1, 2]}\n\nminutes: 3\nretired: true\n---\n\n## S\n'
    )
    assert file_settings.write_module(rewritten, {"retired": None}).count("retired") == 0
    assert file_settings.parse_teaches("scope: 1, 2\n\nother:3") == {"scope": [1, 2], "other": [3]}
    with pytest.raises(ValueError):
        file_settings.parse_teaches("scope: one")
