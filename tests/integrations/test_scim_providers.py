"""The requests Entra ID and Okta document, sent verbatim (scim_fixtures/README.md says where
each one comes from): what Charte stores after each."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from app.extensions import db
from app.models.user import ScimGroup, User
from tests.api_helpers import bearer, issue
from tests.integrations.test_scim import BASE, fixture

ENTRA_USER = "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1"


@pytest.fixture
def scim(app, client, admin):
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    headers = {**bearer(issue(admin, scopes=("scim",))), "Content-Type": "application/scim+json"}

    def call(method, path, body=None):
        data = json.dumps(body) if body else None
        return client.open(BASE + path, method=method, data=data, headers=headers)

    return call


def _person(user_id: str) -> User:
    db.session.expire_all()
    return db.session.get(User, int(user_id))


def test_entra_documented_user_requests(scim):
    created = scim("POST", "/Users", fixture("entra_create_user_doc"))
    assert created.status_code == 201, created.json
    user_id = created.json["id"]
    person = _person(user_id)
    # userName is not an address: the work email is where Charte writes, the name is kept.
    assert person.email == "test_user_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"
    assert person.directory_user_name == ENTRA_USER
    assert person.full_name == "givenName familyName"
    found = scim("GET", "/Users?filter=" + quote(f'userName eq "{ENTRA_USER}"'))
    assert [r["id"] for r in found.json["Resources"]] == [user_id]
    assert scim("GET", "/Users?filter=" + quote('userName eq "non-existent user"')).json[
        "totalResults"] == 0  # fmt: skip
    changed = scim("PATCH", f"/Users/{user_id}", fixture("entra_patch_multivalued"))
    assert changed.status_code == 200, changed.json
    assert _person(user_id).email == "updatedemail@microsoft.com"
    renamed = scim("PATCH", f"/Users/{user_id}", fixture("entra_patch_username"))
    assert renamed.status_code == 200, renamed.json
    assert renamed.json["userName"] == "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
    disabled = scim("PATCH", f"/Users/{user_id}", fixture("entra_disable_user_doc"))
    assert disabled.status_code == 200, disabled.json
    assert disabled.json["active"] is False and _person(user_id).active is False


def test_okta_documented_update_and_group_requests(scim):
    user_id = scim("POST", "/Users", fixture("okta_create_user")).json["id"]
    # Okta updates a profile with GET, then PUT of the whole profile.
    assert scim("GET", f"/Users/{user_id}").status_code == 200
    replaced = scim("PUT", f"/Users/{user_id}", fixture("okta_put_user", user_id=user_id))
    assert replaced.status_code == 200, replaced.json
    person = _person(user_id)
    assert person.email == "another.user@example.com"
    assert person.directory_user_name == "another.user@okta.com"
    group = scim("POST", "/Groups", fixture("okta_create_group"))
    assert group.status_code == 201, group.json
    group_id = group.json["id"]
    added = scim("PATCH", f"/Groups/{group_id}", fixture("okta_group_add_member", user_id=user_id))
    assert added.status_code == 200, added.json
    assert [m["value"] for m in added.json["members"]] == [user_id]
    # Okta renames with the group's own id in the value (read-only: ignored, not refused).
    renamed = scim("PATCH", f"/Groups/{group_id}", fixture("okta_group_rename", group_id=group_id))
    assert renamed.status_code == 200, renamed.json
    db.session.expire_all()
    assert db.session.get(ScimGroup, int(group_id)).display_name == "Test SCIM2"
    assert [m["value"] for m in renamed.json["members"]] == [user_id]
