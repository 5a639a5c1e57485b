"""SCIM sortBy / sortOrder on Users and Groups (RFC 7644 §3.4.2.3)."""

from __future__ import annotations

import json

import pytest

from app.extensions import db
from tests.api_helpers import bearer, issue
from tests.conftest import make_user

BASE = "/scim/v2"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
DEPARTMENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"


@pytest.fixture
def get(client, app, admin):
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    headers = bearer(issue(admin, scopes=("scim",)))

    def call(path, **params):
        return client.get(BASE + path, query_string=params, headers=headers)

    call.headers = headers
    return call


@pytest.fixture
def people(app):
    made = {
        "bea": make_user("bea@example.com", "Béa Zola", department="Sales"),
        "al": make_user("al@example.com", "al Young", department="Marketing"),
        "cy": make_user("Cy@example.com", "Cy Xavier", department=""),
    }
    made["al"].job_title = "Editor"
    db.session.commit()
    return made


def _names(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [r["displayName"] for r in response.json["Resources"]]


def test_the_configuration_says_sorting_is_supported(get):
    assert get("/ServiceProviderConfig").json["sort"] == {"supported": True}


def test_users_sort_by_a_stored_attribute_without_case(get, people):
    assert _names(get("/Users", sortBy="displayName")) == ["al Young", "Béa Zola", "Cy Xavier"]
    assert _names(get("/Users", sortBy="displayName", sortOrder="descending")) == [
        "Cy Xavier", "Béa Zola", "al Young"]  # fmt: skip
    assert _names(get("/Users", sortBy="emails", count=2)) == ["al Young", "Béa Zola"]
    second_page = get("/Users", sortBy="userName", startIndex=3, count=2)
    assert _names(second_page) == ["Cy Xavier"]
    assert second_page.json["totalResults"] == 3


def test_missing_values_come_last_ascending_and_first_descending(get, people):
    # Only al has a title; Cy has no department.
    assert _names(get("/Users", sortBy="title"))[0] == "al Young"
    assert _names(get("/Users", sortBy="title", sortOrder="descending"))[-1] == "al Young"
    assert _names(get("/Users", sortBy=DEPARTMENT)) == ["al Young", "Béa Zola", "Cy Xavier"]
    assert _names(get("/Users", sortBy=DEPARTMENT, sortOrder="descending"))[0] == "Cy Xavier"


def test_a_filter_matched_on_the_resources_is_sorted_too(get, people):
    found = get("/Users", filter='displayName co "a"', sortBy="displayName",
                sortOrder="descending")  # fmt: skip
    assert _names(found) == ["Cy Xavier", "Béa Zola", "al Young"]


def test_a_search_body_may_sort(client, get, people):
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "sortBy": "displayName", "sortOrder": "descending", "count": 1}  # fmt: skip
    response = client.post(BASE + "/Users/.search", data=json.dumps(body), headers=get.headers)
    assert _names(response) == ["Cy Xavier"]


def test_an_unknown_attribute_or_order_is_refused(get, people):
    unknown = get("/Users", sortBy="favouriteColour")
    assert unknown.status_code == 400
    assert unknown.json["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert get("/Users", sortBy="displayName", sortOrder="sideways").status_code == 400
    assert get("/Groups", sortBy="userName").status_code == 400


def test_groups_sort_by_display_name(client, get):
    for name in ("beta", "Alpha", "gamma"):
        body = {"schemas": [GROUP], "displayName": name}
        created = client.post(BASE + "/Groups", data=json.dumps(body), headers=get.headers)
        assert created.status_code == 201
    assert _names(get("/Groups", sortBy="displayName")) == ["Alpha", "beta", "gamma"]
    assert _names(get("/Groups", sortBy="displayName", sortOrder="descending")) == [
        "gamma", "beta", "Alpha"]  # fmt: skip
    assert _names(get("/Groups", filter='displayName co "a"', sortBy="displayName",
                      sortOrder="descending")) == ["gamma", "beta", "Alpha"]  # fmt: skip
