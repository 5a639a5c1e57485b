"""SCIM Bulk (RFC 7644 §3.7): operations, bulkId references, failOnErrors, limits, audit."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.core import audit, settings
from app.core.client import ClientInfo
from app.extensions import db
from app.integrations.scim import bulk
from app.integrations.scim import users as scim_users
from app.models.audit import AuditEvent
from app.models.user import ScimGroup, User
from tests.api_helpers import bearer, issue

BASE = "/scim/v2"
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.fixture
def token(app, admin):
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    return issue(admin, scopes=("scim",), name="Okta")


@pytest.fixture
def send(client, token):
    headers = {**bearer(token), "Content-Type": "application/scim+json"}

    def call(operations, fail_on_errors=None, raw=None):
        body = raw if raw is not None else {"schemas": [BULK], "Operations": operations}
        if fail_on_errors is not None:
            body["failOnErrors"] = fail_on_errors
        return client.post(BASE + "/Bulk", data=json.dumps(body), headers=headers)

    return call


def person(n: int, **extra) -> dict:
    return {
        "schemas": [USER, ENTERPRISE],
        "userName": f"bulk{n}@example.com",
        "displayName": f"Bulk Person {n}",
        "emails": [{"value": f"bulk{n}@example.com", "primary": True}],
        "active": True,
        **extra,
    }


def post(n: int, **extra) -> dict:
    return {"method": "POST", "path": "/Users", "bulkId": f"p{n}", "data": person(n, **extra)}


def _by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def _statuses(response) -> list[str]:
    return [op["status"] for op in response.json["Operations"]]


def test_the_configuration_advertises_bulk_and_its_limits(client, token):
    config = client.get(BASE + "/ServiceProviderConfig", headers=bearer(token)).json
    assert config["bulk"] == {
        "supported": True,
        "maxOperations": bulk.MAX_OPERATIONS,
        "maxPayloadSize": bulk.MAX_PAYLOAD_SIZE,
    }


def test_a_bulk_creates_people_and_a_group_that_refers_to_them_by_bulk_id(send, client, token):
    group = {
        "method": "POST",
        "path": "/Groups",
        "bulkId": "team",
        "data": {"schemas": [GROUP], "displayName": "Sales",
                 "members": [{"value": "bulkId:p1"}, {"value": "bulkId:p2"}]},
    }  # fmt: skip
    # The group comes first in the request and names people created after it.
    response = send([group, post(1), post(2, **{ENTERPRISE: {"manager": {"value": "bulkId:p1"}}})])
    assert response.status_code == 200, response.json
    assert response.json["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:BulkResponse"]
    results = response.json["Operations"]
    assert [r["status"] for r in results] == ["201", "201", "201"]
    assert [r["bulkId"] for r in results] == ["team", "p1", "p2"]
    first, second = _by_email("bulk1@example.com"), _by_email("bulk2@example.com")
    assert results[1]["location"].endswith(f"/scim/v2/Users/{first.id}")
    assert results[1]["version"].startswith('W/"')
    assert second.manager_id == first.id
    sales = db.session.scalar(select(ScimGroup).where(ScimGroup.display_name == "Sales"))
    assert results[0]["location"].endswith(f"/Groups/{sales.id}")
    members = client.get(BASE + f"/Groups/{sales.id}", headers=bearer(token))
    assert {m["value"] for m in members.json["members"]} == {str(first.id), str(second.id)}


def test_updates_deactivation_and_deletion_go_through_the_people_services(send):
    assert send([post(1), post(2), post(3)]).status_code == 200
    ids = {n: _by_email(f"bulk{n}@example.com").id for n in (1, 2, 3)}
    response = send(
        [
            {"method": "PATCH", "path": f"/Users/{ids[1]}", "data": {"schemas": [PATCH],
             "Operations": [{"op": "Replace", "path": "title", "value": "Editor"}]}},
            {"method": "PATCH", "path": f"/Users/{ids[2]}", "data": {"schemas": [PATCH],
             "Operations": [{"op": "replace", "path": "active", "value": "False"}]}},
            {"method": "PUT", "path": f"/Users/{ids[3]}", "data": person(3, displayName="Renamed")},
            {"method": "DELETE", "path": f"/Users/{ids[3]}"},
        ]
    )  # fmt: skip
    assert _statuses(response) == ["200", "200", "200", "204"], response.json
    assert _by_email("bulk1@example.com").job_title == "Editor"
    assert _by_email("bulk2@example.com").active is False
    gone = _by_email("bulk3@example.com")
    assert gone.full_name == "Renamed" and not gone.active and gone.directory_removed_at
    token_id = str(bulk_token_id())
    deactivations = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "user.deactivated")
    ).all()
    assert {e.subject_id for e in deactivations} == {ids[2], ids[3]}
    assert all(json.loads(e.details)["api_token_id"] == int(token_id) for e in deactivations)
    upserts = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "users.upserted").order_by(AuditEvent.seq)
    ).all()
    assert json.loads(upserts[0].details)["created_ids"] == sorted(ids.values())
    assert {i for e in upserts[1:] for i in json.loads(e.details)["updated_ids"]} == {
        ids[1], ids[3]}  # fmt: skip
    summary = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "scim.bulk")).all()
    assert [json.loads(e.details)["operations"] for e in summary] == [3, 4]
    assert {e.target_id for e in summary} == {token_id}
    assert audit.verify_all().ok


def bulk_token_id() -> int:
    from app.models.api_token import ApiToken

    return db.session.scalar(select(ApiToken.id))


def test_malformed_operations_fail_alone(send):
    response = send(
        [
            "not an object",
            {"method": "FETCH", "path": "/Users/1"},
            {"method": "POST", "path": "/Users", "data": person(9)},  # no bulkId
            {"method": "POST", "path": "/Things", "bulkId": "x", "data": {}},
            {"method": "PATCH", "path": "/Users/1"},  # no data
            {"method": "POST", "path": "/Users", "bulkId": "bad", "data": {"schemas": [USER]}},
            post(1),
        ]
    )
    assert response.status_code == 200
    results = response.json["Operations"]
    assert _statuses(response) == ["400"] * 6 + ["201"]
    assert all(r["response"]["schemas"][0].endswith(":Error") for r in results[:6])
    assert results[3]["response"]["scimType"] == "invalidPath"
    assert _by_email("bulk1@example.com") is not None


def test_unknown_and_circular_bulk_id_references_are_refused(send):
    response = send(
        [
            post(1, **{ENTERPRISE: {"manager": {"value": "bulkId:p2"}}}),
            post(2, **{ENTERPRISE: {"manager": {"value": "bulkId:p1"}}}),
            post(3, **{ENTERPRISE: {"manager": {"value": "bulkId:nobody"}}}),
            {"method": "PATCH", "path": "/Users/bulkId:p2", "data": {"schemas": [PATCH],
             "Operations": [{"op": "replace", "path": "title", "value": "X"}]}},
        ]
    )  # fmt: skip
    statuses = dict(zip(["p1", "p2", "p3", "patch"], _statuses(response), strict=True))
    assert statuses == {"p1": "409", "p2": "409", "p3": "400", "patch": "409"}
    assert response.json["Operations"][2]["response"]["scimType"] == "invalidValue"
    assert db.session.scalar(select(func.count()).select_from(User).where(
        User.email.like("bulk%"))) == 0  # fmt: skip


def test_fail_on_errors_stops_after_that_many_errors(send):
    assert send([post(1)]).status_code == 200
    again = {**post(1), "bulkId": "again"}
    response = send([post(1), post(2), again, post(3)], fail_on_errors=2)
    # Creating bulk1 twice fails (409), bulk2 is created, the second failure stops the request.
    assert _statuses(response) == ["409", "201", "409"]
    assert response.json["Operations"][0]["response"]["scimType"] == "uniqueness"
    assert _by_email("bulk2@example.com") is not None
    assert _by_email("bulk3@example.com") is None
    stopped = send([post(1), post(4)], fail_on_errors=1)
    assert _statuses(stopped) == ["409"]
    assert _by_email("bulk4@example.com") is None


def test_the_limits_answer_413(send, monkeypatch):
    too_many = send([post(n) for n in range(bulk.MAX_OPERATIONS + 1)])
    assert too_many.status_code == 413
    assert str(bulk.MAX_OPERATIONS) in too_many.json["detail"]
    monkeypatch.setattr(bulk, "MAX_PAYLOAD_SIZE", 200)
    too_big = send([post(1)])
    assert too_big.status_code == 413
    assert "maxPayloadSize" in too_big.json["detail"]
    assert _by_email("bulk1@example.com") is None


def test_a_request_that_is_not_a_bulk_request_is_refused(send):
    assert send(None, raw={"Operations": []}).status_code == 400
    assert send(None, raw={"schemas": [BULK], "Operations": {}}).status_code == 400
    assert send([post(1)], fail_on_errors=0).status_code == 400
    assert _by_email("bulk1@example.com") is None


def test_a_token_without_the_scim_scope_is_refused(client, admin):
    body = json.dumps({"schemas": [BULK], "Operations": [post(1)]})
    assert client.post(BASE + "/Bulk", data=body).status_code == 401
    other = issue(admin, scopes=("employees:write",))
    refused = client.post(BASE + "/Bulk", data=body, headers=bearer(other))
    assert refused.status_code == 403
    assert _by_email("bulk1@example.com") is None


def test_the_deactivation_setting_applies_to_bulk_deactivations(send, admin):
    settings.update(
        {scim_users.DEACTIVATION_CONSENTS.key: "end_now"}, actor=admin, client=ClientInfo.system()
    )
    assert send([post(1)]).status_code == 200
    user_id = _by_email("bulk1@example.com").id
    response = send([{"method": "PATCH", "path": f"/Users/{user_id}", "data": {"schemas": [PATCH],
                      "Operations": [{"op": "replace", "value": {"active": False}}]}}])  # fmt: skip
    assert _statuses(response) == ["200"]
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.deactivated"))
    assert json.loads(entry.details)["image_consents"] == "end_now"


@pytest.mark.parametrize(
    "operations",
    [
        [{"op": "replace", "path": "active", "value": False}],
        [{"op": "replace", "value": {"active": False}}],
        [{"op": "add", "path": "title", "value": "Editor"}],
        [
            {"op": "replace", "path": "displayName", "value": "New Name"},
            {"op": "replace", "path": "externalId", "value": "ext-9"},
        ],  # fmt: skip
        [{"op": "replace", "value": {"title": "Editor", "active": True}}],  # changes nothing
    ],
)
def test_the_shortcut_for_simple_patches_gives_what_scim2_models_gives(operations):
    from scim2_models import Context, EnterpriseUser, PatchOp

    from app.integrations.scim import resources

    def stored():
        user = resources.ScimUser(
            id="7", user_name="a@example.com", display_name="A", title="Editor", active=True,
            external_id="ext-1", emails=[{"value": "a@example.com"}],
        )  # fmt: skip
        user[EnterpriseUser] = EnterpriseUser(department="Sales")
        return user

    patch = PatchOp[resources.ScimUser].model_validate(
        {"schemas": [PATCH], "Operations": operations},
        scim_ctx=Context.RESOURCE_PATCH_REQUEST,
        scim_policy=resources.POLICY,
    )
    by_library, shortcut = stored(), stored()
    library_changed = patch.patch(by_library, resources.POLICY)
    assert resources.apply_simple_patch(patch, shortcut) is library_changed
    assert shortcut.model_dump() == by_library.model_dump()


def test_other_patches_are_left_to_scim2_models():
    from scim2_models import Context, PatchOp

    from app.integrations.scim import resources

    for operations in (
        [{"op": "remove", "path": "title"}],
        [{"op": "replace", "path": 'emails[type eq "work"].value', "value": "b@example.com"}],
        [{"op": "replace", "path": "title", "value": ""}],
        [{"op": "replace", "value": {"active": False, "name": {"givenName": "B"}}}],
    ):
        patch = PatchOp[resources.ScimUser].model_validate(
            {"schemas": [PATCH], "Operations": operations},
            scim_ctx=Context.RESOURCE_PATCH_REQUEST,
            scim_policy=resources.POLICY,
        )
        assert resources.apply_simple_patch(patch, resources.ScimUser(user_name="a")) is None


def test_fail_on_errors_counts_a_failed_reference_where_it_stands(send):
    assert send([post(1)]).status_code == 200
    again = {**post(1), "bulkId": "again"}  # bulk1 exists: 409, nothing created
    patch = {"method": "PATCH", "path": "/Users/bulkId:again", "data": {"schemas": [PATCH],
             "Operations": [{"op": "replace", "path": "title", "value": "X"}]}}  # fmt: skip
    response = send([again, post(2), patch, post(3)], fail_on_errors=2)
    assert _statuses(response) == ["409", "201", "409"]
    assert "again" in response.json["Operations"][2]["response"]["detail"]
    assert _by_email("bulk2@example.com") is not None
    assert _by_email("bulk3@example.com") is None


def test_an_operation_with_an_old_version_is_refused_412(send):
    created = send([post(1)]).json["Operations"][0]
    user_id = created["location"].rsplit("/", 1)[1]
    title = {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "title", "value": "A"}]}
    fresh = send([{"method": "PATCH", "path": f"/Users/{user_id}", "version": created["version"],
                   "data": title}])  # fmt: skip
    assert _statuses(fresh) == ["200"]
    stale = send([{"method": "DELETE", "path": f"/Users/{user_id}", "version": created["version"]},
                  {"method": "DELETE", "path": "/Users/999999"}])  # fmt: skip
    assert _statuses(stale) == ["412", "404"]
    assert _by_email("bulk1@example.com").active is True
