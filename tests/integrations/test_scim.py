"""SCIM provisioning: the payloads Entra ID and Okta send, deactivation, groups, managers, audit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core import settings
from app.core.client import ClientInfo
from app.extensions import db
from app.integrations.scim import groups as scim_groups
from app.integrations.scim import users as scim_users
from app.models.audit import AuditEvent
from app.models.user import Role, ScimGroup, User
from tests.api_helpers import bearer, issue
from tests.conftest import make_user

FIXTURES = Path(__file__).parent / "scim_fixtures"
BASE = "/scim/v2"


def fixture(name: str, **ids) -> dict:
    text = (FIXTURES / f"{name}.json").read_text()
    for key, value in ids.items():
        text = text.replace("{{" + key + "}}", str(value))
    return json.loads(text)


@pytest.fixture
def token(app, admin):
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    return issue(admin, scopes=("scim",), name="Entra ID")


@pytest.fixture
def scim(client, token):
    headers = {**bearer(token), "Content-Type": "application/scim+json"}

    def call(method, path, body=None, **extra):
        return client.open(
            BASE + path, method=method, data=json.dumps(body) if body else None,
            headers={**headers, **extra},
        )  # fmt: skip

    return call


def _token_id() -> int:
    from app.models.api_token import ApiToken

    return db.session.scalar(select(ApiToken.id))


def test_a_token_needs_the_scim_scope(client, admin):
    assert client.get(BASE + "/Users").status_code == 401
    other = issue(admin, scopes=("employees:read",))
    response = client.get(BASE + "/Users", headers=bearer(other))
    assert response.status_code == 403
    assert response.json["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_entra_provisions_finds_updates_and_disables_a_person(scim, app, admin):
    created = scim("POST", "/Users", fixture("entra_create_user"))
    assert created.status_code == 201, created.json
    user_id = created.json["id"]
    person = db.session.get(User, int(user_id))
    assert person.email == "test.user.ab6490ee@contoso.example"
    assert person.directory_user_name.startswith("Test_User_")
    assert (person.full_name, person.department, person.job_title, person.locale) == (
        "Inès Garrido", "Communication", "Community manager", "fr",
    )  # fmt: skip
    assert person.external_id == "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"
    assert created.headers["ETag"].startswith('W/"')

    query = fixture("entra_filter_user")["query"]
    found = scim("GET", "/Users?" + query)
    assert found.json["totalResults"] == 1 and found.json["Resources"][0]["id"] == user_id
    by_external = scim("GET", '/Users?filter=externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"')
    assert by_external.json["totalResults"] == 1
    assert (
        scim("GET", '/Users?filter=userName eq "nobody@contoso.example"').json["totalResults"] == 0
    )

    boss = make_user("boss@contoso.example", "Bérénice Boss", department="Communication")
    patched = scim("PATCH", f"/Users/{user_id}", fixture("entra_patch_manager", manager_id=boss.id))
    assert patched.status_code == 200, patched.json
    enterprise = patched.json["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
    assert enterprise["manager"]["value"] == str(boss.id)
    patched = scim("PATCH", f"/Users/{user_id}", fixture("entra_patch_attributes"))
    assert patched.status_code == 200, patched.json
    db.session.expire_all()
    person = db.session.get(User, int(user_id))
    assert person.manager_id == boss.id
    assert (person.job_title, person.department) == (
        "Head of communication", "Direction de la communication",
    )  # fmt: skip

    disabled = scim("PATCH", f"/Users/{user_id}", fixture("entra_disable_user"))
    assert disabled.status_code == 200, disabled.json
    assert disabled.json["active"] is False
    db.session.expire_all()
    assert db.session.get(User, int(user_id)).active is False
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "user.deactivated").order_by(AuditEvent.seq)
    )
    details = json.loads(event.details)
    # The offboarding path, with the setting's consent choice and the token that asked.
    assert details["image_consents"] == "keep"
    assert details["api_token_id"] == _token_id()
    manager_event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "user.manager_changed")
    )
    assert json.loads(manager_event.details)["api_token_id"] == str(_token_id())


def test_okta_provisions_then_deactivates_with_the_consent_choice_of_the_setting(scim, app, admin):
    settings.update(
        {scim_users.DEACTIVATION_CONSENTS.key: "end_now"}, actor=admin, client=ClientInfo.system()
    )
    created = scim("POST", "/Users", fixture("okta_create_user"))
    assert created.status_code == 201, created.json
    assert scim("POST", "/Users", fixture("okta_create_user")).status_code == 409
    found = scim("GET", "/Users?" + fixture("okta_filter_user")["query"])
    assert found.json["Resources"][0]["userName"] == "camille.durand@example.com"
    user_id = created.json["id"]
    done = scim("PATCH", f"/Users/{user_id}", fixture("okta_deactivate_user"))
    assert done.status_code == 200, done.json
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.deactivated"))
    assert json.loads(event.details)["image_consents"] == "end_now"


def test_delete_deactivates_and_hides_then_a_new_post_brings_the_person_back(scim, app):
    user_id = scim("POST", "/Users", fixture("okta_create_user")).json["id"]
    assert scim("DELETE", f"/Users/{user_id}").status_code == 204
    assert scim("GET", f"/Users/{user_id}").status_code == 404
    person = db.session.get(User, int(user_id))
    assert person is not None and not person.active  # evidence outlives the account
    again = scim("POST", "/Users", fixture("okta_create_user"))
    assert again.status_code == 201 and again.json["id"] == user_id
    assert again.json["active"] is True


def test_pagination_and_etags(scim, app):
    for i in range(5):
        body = fixture("okta_create_user")
        body.update(userName=f"p{i}@example.com", externalId=f"okta-{i}")
        body["emails"][0]["value"] = f"p{i}@example.com"
        assert scim("POST", "/Users", body).status_code == 201
    page = scim("GET", "/Users?startIndex=2&count=2").json
    # The admin is not an employee: invisible to a token without employees:admin.
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (5, 2, 2)
    first = page["Resources"][0]
    stale = scim("PUT", f"/Users/{first['id']}", {**first, "title": "x"}, **{"If-Match": 'W/"1"'})
    assert stale.status_code == 412
    current = scim("GET", f"/Users/{first['id']}")
    fresh = scim(
        "PUT", f"/Users/{first['id']}", {**first, "title": "Editor"},
        **{"If-Match": current.headers["ETag"]},
    )  # fmt: skip
    assert fresh.status_code == 200 and fresh.json["title"] == "Editor"


def test_a_group_mapped_to_a_department_gives_it_to_whoever_joins(scim, app, admin):
    user_id = scim("POST", "/Users", fixture("entra_create_user")).json["id"]
    group = scim("POST", "/Groups", fixture("entra_create_group"))
    assert group.status_code == 201, group.json
    group_id = group.json["id"]
    scim_groups.set_mapping(
        db.session.get(ScimGroup, int(group_id)), "department", "Marketing FR",
        actor=admin, client=ClientInfo.system(),
    )  # fmt: skip
    added = scim("PATCH", f"/Groups/{group_id}", fixture("entra_group_add_member", user_id=user_id))
    assert added.status_code == 200, added.json
    assert [m["value"] for m in added.json["members"]] == [user_id]
    db.session.expire_all()
    assert db.session.get(User, int(user_id)).department == "Marketing FR"
    removed = scim(
        "PATCH", f"/Groups/{group_id}", fixture("entra_group_remove_member", user_id=user_id)
    )
    assert removed.status_code == 200, removed.json
    assert not removed.json.get("members")
    changed = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "scim.group_changed")
    ).all()
    assert all(json.loads(e.details)["api_token_id"] == _token_id() for e in changed)


def test_a_role_group_never_reaches_admin_without_the_setting(scim, app, admin):
    member = make_user("member@example.com", "Mia Member")
    group = scim("POST", "/Groups", fixture("okta_create_group"))
    assert group.status_code == 201, group.json
    added = scim(
        "PATCH", f"/Groups/{group.json['id']}", fixture("okta_group_add_member", user_id=member.id)
    )
    assert added.status_code == 200, added.json
    row = db.session.get(ScimGroup, int(group.json["id"]))
    with pytest.raises(scim_groups.MappingError):
        scim_groups.set_mapping(row, "role", "admin", actor=admin, client=ClientInfo.system())
    scim_groups.set_mapping(row, "role", "hr", actor=admin, client=ClientInfo.system())
    db.session.expire_all()
    assert db.session.get(User, member.id).role == Role.HR.value
    other = make_user("other-member@example.com", "Otto Member")
    replaced = scim(
        "PATCH", f"/Groups/{row.id}", fixture("okta_group_replace_members", manager_id=other.id)
    )
    assert replaced.status_code == 200, replaced.json
    db.session.expire_all()
    assert db.session.get(User, member.id).role == Role.EMPLOYEE.value
    assert db.session.get(User, other.id).role == Role.HR.value


def test_discovery_documents(scim):
    config = scim("GET", "/ServiceProviderConfig").json
    assert config["patch"]["supported"] and config["etag"]["supported"]
    types = {r["id"] for r in scim("GET", "/ResourceTypes").json["Resources"]}
    assert types == {"User", "Group"}
    schema_ids = {r["id"] for r in scim("GET", "/Schemas").json["Resources"]}
    assert "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" in schema_ids
    assert scim("GET", "/Nothing").status_code == 404
