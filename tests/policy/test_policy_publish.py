"""Publishing policy versions: admin pages, refusals, the command line and stored texts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.policy import PolicyText, PolicyVersion
from app.policy import versions
from tests.conftest import post_form
from tests.policy_helpers import publish

pytestmark = pytest.mark.usefixtures("no_signing_prerequisites")

CONTENT = Path(__file__).resolve().parents[2] / "content"


def _published() -> list[int]:
    return list(db.session.scalars(select(PolicyVersion.version).order_by(PolicyVersion.version)))


def test_admin_lists_versions_and_publishes_one(client, auth, admin):
    auth.login(admin.email)
    page = client.get("/admin/policy").get_data(as_text=True)
    assert "Publish version 1" in page and "Publish version 2" in page
    response = post_form(
        client, "/admin/policy/2/publish", page="/admin/policy", follow_redirects=True
    )
    assert "Version 2 is published" in response.get_data(as_text=True)
    assert _published() == [2]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "policy.published"))
    assert event.actor_id == admin.id and json.loads(event.details)["version"] == 2
    page = client.get("/admin/policy").get_data(as_text=True)
    assert "Publish version 1" not in page  # v1 is older than the current one
    assert "Publish version 3" in page  # the newer shipped version can still be published
    assert "Published" in page and admin.full_name in page


def test_publishing_an_older_or_equal_version_is_refused(client, auth, admin):
    publish(2)
    auth.login(admin.email)
    for version in (1, 2):
        response = post_form(
            client, f"/admin/policy/{version}/publish", page="/admin/policy", follow_redirects=True
        )
        assert "cannot be published" in response.get_data(as_text=True)
    assert _published() == [2]


def test_publishing_needs_a_csrf_token(client, auth, admin):
    auth.login(admin.email)
    assert client.post("/admin/policy/1/publish").status_code == 400
    assert _published() == []


@pytest.mark.parametrize("who", ["employee", "hr"])
def test_only_admins_publish(client, auth, request, who):
    user = request.getfixturevalue(who)
    auth.login(user.email)
    assert client.get("/admin/policy").status_code == 403
    assert post_form(client, "/admin/policy/1/publish").status_code == 403
    assert _published() == []


def test_preview_renders_each_language(client, auth, admin):
    auth.login(admin.email)
    english = client.get("/admin/policy/2/preview?lang=en").get_data(as_text=True)
    french = client.get("/admin/policy/2/preview?lang=fr").get_data(as_text=True)
    assert "Generative artificial intelligence" in english
    assert "Charte Demo SA" in english and "{{" not in english
    assert "intelligence artificielle" in french.lower()
    assert client.get("/admin/policy/2/preview?lang=de").status_code == 404
    response = client.get("/admin/policy/7/preview?lang=en", follow_redirects=True)
    assert "v7.en.md is missing" in response.get_data(as_text=True)


def test_cli_publishes_and_refuses(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["policy", "publish", "--version", "1"])
    assert result.exit_code == 0 and "Published policy version 1" in result.output
    again = runner.invoke(args=["policy", "publish", "--version", "1"])
    assert again.exit_code != 0 and "already published" in again.output
    assert _published() == [1]


def test_demo_publishes_version_1_once(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo"])
    runner.invoke(args=["demo"])
    assert _published() == [1]


def test_stored_texts_outlive_changes_to_the_files(app, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT / "policy", content / "policy")
    app.config["CONTENT_DIR"] = str(content)
    version = publish(1)
    stored = db.session.scalar(select(PolicyText).where(PolicyText.locale == "en"))
    digest = stored.sha256
    path = content / "policy" / "v1.en.md"
    path.write_text(path.read_text() + "\nA sentence added later.\n")
    assert versions.read_source(1, "en").sha256 != digest
    db.session.expire_all()
    assert db.session.get(PolicyText, stored.id).sha256 == digest
    assert "added later" not in db.session.get(PolicyText, stored.id).html
    assert version.version == 1
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0


def test_unknown_variables_and_bad_headers_are_refused(app, tmp_path):
    (tmp_path / "policy").mkdir()
    app.config["CONTENT_DIR"] = str(tmp_path)
    (tmp_path / "policy" / "v1.en.md").write_text("---\nversion: 1\ntitle: T\n---\n{{ nope }}\n")
    (tmp_path / "policy" / "v1.fr.md").write_text("no header\n")
    with pytest.raises(versions.PolicyError, match="unknown variable"):
        versions.read_source(1, "en")
    with pytest.raises(versions.PolicyError, match="header"):
        versions.read_source(1, "fr")
    with pytest.raises(versions.PolicyError):
        publish(1)
    assert db.session.scalar(select(func.count()).select_from(PolicyVersion)) == 0


def test_rendered_text_is_sanitised(app, tmp_path):
    (tmp_path / "policy").mkdir()
    app.config["CONTENT_DIR"] = str(tmp_path)
    (tmp_path / "policy" / "v1.en.md").write_text(
        "---\nversion: 1\ntitle: T\n---\n## A\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))\n"
    )
    html = versions.read_source(1, "en").html
    assert "<script" not in html and 'href="javascript' not in html and "<h2>A</h2>" in html
