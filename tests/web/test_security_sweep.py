"""Every route x every role against an expected-access table; every form route needs CSRF.

The table must name every route of the app: a new route without an entry fails the suite, so
access is always decided on purpose. Parameterised routes are called with ids that do not exist:
an allowed role then gets 404 (or a form error), a refused one 403, an anonymous visitor the
sign-in page — which proves the permission check comes before any lookup.
"""

from __future__ import annotations

import pytest

from app.models.user import Role
from tests.conftest import csrf_token, make_user

ANON, EMPLOYEE, COMMS, AUDITOR, HR, ADMIN = (
    "anonymous",
    "employee",
    "communications",
    "auditor",
    "hr",
    "admin",
)
# A manager holds no role of their own: an employee someone reports to (derived from manager_id).
MANAGER = "manager"
ROLES = [ANON, EMPLOYEE, MANAGER, COMMS, AUDITOR, HR, ADMIN]
PUBLIC = set(ROLES)
SIGNED_IN = {EMPLOYEE, MANAGER, COMMS, AUDITOR, HR, ADMIN}
MANAGERS = {MANAGER}
HR_READ = {AUDITOR, HR, ADMIN}
HR_WRITE = {HR, ADMIN}
CONSENT_READ = {COMMS, AUDITOR, HR, ADMIN}
CONSENT_WRITE = {COMMS, HR, ADMIN}
ADMIN_ONLY = {ADMIN}
# The REST API ignores the session: without a bearer token everyone gets 401 (tested in
# tests/integrations/test_api_*.py with real tokens and scopes); the OpenAPI document is public.
TOKEN = "token"

# endpoint -> (who may call it, or {method: who}, sample URL values)
ACCESS: dict[str, tuple[set[str], dict]] = {
    "static": (PUBLIC, {"filename": "css/charte.css"}),
    "main.healthz": (PUBLIC, {}),
    "operations.readyz": (PUBLIC, {}),
    # No METRICS_TOKEN here: 404 for everyone; the token and allow-list in tests/web/test_metrics.py.
    "operations.prometheus_metrics": (PUBLIC, {}),
    "main.home": (SIGNED_IN, {}),
    "main.set_language": (PUBLIC, {}),
    "auth.login": (PUBLIC, {}),
    "auth.logout": (SIGNED_IN, {}),
    "auth.forgot_password": (PUBLIC, {}),
    "auth.accept_invitation": (PUBLIC, {"token": "nope"}),
    "auth.reset_password": (PUBLIC, {"token": "nope"}),
    "sso.start": (PUBLIC, {}),
    "sso.callback": (PUBLIC, {}),
    "verify.form": (PUBLIC, {}),
    "verify.check": (PUBLIC, {"code": "0000-0000-0000-0000-0000"}),
    "verify.receipt": (PUBLIC, {}),
    "well_known.keys": (PUBLIC, {}),
    "consent.verify": (PUBLIC, {"code": "0000-0000-0000-0000-0000"}),
    # Leavers withdraw without an account: a form that mails a signed link, and the link's page
    # (a forged token is refused with 404; tests/consent/test_leavers.py covers real links).
    "consent_leaver.ask": (PUBLIC, {}),
    "consent_leaver.withdraw": (PUBLIC, {"token": "nope"}),
    "learn.module": (SIGNED_IN, {"slug": "why-a-policy"}),
    "learn.step": (SIGNED_IN, {"slug": "why-a-policy", "number": 1}),
    "learn.step_move": (SIGNED_IN, {"slug": "why-a-policy", "number": 1}),
    "learn.practice": (SIGNED_IN, {"slug": "why-a-policy", "number": 1}),
    "learn.start_quiz": (SIGNED_IN, {"slug": "why-a-policy"}),
    "learn.attempt": (SIGNED_IN, {"attempt_id": 999999}),
    "learn.submit": (SIGNED_IN, {"attempt_id": 999999}),
    "learn.image": (SIGNED_IN, {"filename": "missing.png"}),
    "learn.again": (SIGNED_IN, {"slug": "why-a-policy"}),
    "api.openapi": (PUBLIC, {}),
    "api.batch_employees": (TOKEN, {}),
    "api.certificates": (TOKEN, {}),
    "api.consent_check": (TOKEN, {}),
    "api.assets": (TOKEN, {}),
    "api.asset_publishability": (TOKEN, {"asset_id": 999999}),
    "api.deactivate_employee": (TOKEN, {"key": "nobody@example.com"}),
    "api.employee_status": (TOKEN, {"key": "nobody@example.com"}),
    "api.get_employee": (TOKEN, {"key": "nobody@example.com"}),
    "api.list_employees": (TOKEN, {}),
    "api.overdue": (TOKEN, {}),
    "api.put_employee": (TOKEN, {"key": "nobody@example.com"}),
    "api.verify": (TOKEN, {"code": "0000-0000-0000-0000-0000"}),
    "scim.service_provider_config": (TOKEN, {}),
    "scim.resource_types": (TOKEN, {}),
    "scim.resource_type": (TOKEN, {"name": "User"}),
    "scim.schemas": (TOKEN, {}),
    "scim.schema": (TOKEN, {"urn": "urn:ietf:params:scim:schemas:core:2.0:User"}),
    "scim.search_everything": (TOKEN, {}),
    "scim.list_users": (TOKEN, {}),
    "scim.create_user": (TOKEN, {}),
    "scim.get_user": (TOKEN, {"user_id": "999999"}),
    "scim.replace_user": (TOKEN, {"user_id": "999999"}),
    "scim.patch_user": (TOKEN, {"user_id": "999999"}),
    "scim.delete_user": (TOKEN, {"user_id": "999999"}),
    "scim.list_groups": (TOKEN, {}),
    "scim.create_group": (TOKEN, {}),
    "scim.get_group": (TOKEN, {"group_id": "999999"}),
    "scim.replace_group": (TOKEN, {"group_id": "999999"}),
    "scim.patch_group": (TOKEN, {"group_id": "999999"}),
    "scim.delete_group": (TOKEN, {"group_id": "999999"}),
    "scim.bulk_request": (TOKEN, {}),
    # Someone outside the manager's team (here: nobody) is 404, tested in tests/hr_reports/test_team.py.
    "team.index": (MANAGERS, {}),
    "team.person": (MANAGERS, {"user_id": 999999}),
    "team.remind": (MANAGERS, {"user_id": 999999}),
    "hr.set_manager": (HR_WRITE, {"user_id": 999999}),
    "scim_admin.groups_page": (ADMIN_ONLY, {}),
    "scim_admin.map_group": (ADMIN_ONLY, {"group_id": 999999}),
    "integrations.api_tokens_page": (ADMIN_ONLY, {}),
    "integrations.revoke_token": (ADMIN_ONLY, {"token_id": 999999}),
    "integrations.webhooks_page": (ADMIN_ONLY, {}),
    "integrations.disable_webhook": (ADMIN_ONLY, {"endpoint_id": 999999}),
    "certificates.mine": (SIGNED_IN, {}),
    "certificates.my_pdf": (SIGNED_IN, {"cert_id": 999999}),
    "certificates.my_json": (SIGNED_IN, {"cert_id": 999999}),
    "certificates.hr_list": (HR_READ, {}),
    "certificates.hr_detail": (HR_READ, {"cert_id": 999999}),
    "certificates.hr_pdf": (HR_READ, {"cert_id": 999999}),
    "certificates.hr_json": (HR_READ, {"cert_id": 999999}),
    "certificates.hr_export": (HR_READ, {}),
    "certificates.revoke": (HR_WRITE, {"cert_id": 999999}),
    "me.index": (SIGNED_IN, {}),
    "me.attachment": (SIGNED_IN, {"attachment_id": 999999}),
    "me.export": (SIGNED_IN, {}),
    "me.language": (SIGNED_IN, {}),
    "me.password": (SIGNED_IN, {}),
    "sessions.end_one": (SIGNED_IN, {"session_id": 999999}),
    "sessions.end_all": (SIGNED_IN, {}),
    "on_behalf.paper_signature": (HR_WRITE, {"user_id": 999999}),
    "privacy_admin.index": (ADMIN_ONLY, {}),
    "hr.employee": (HR_READ, {"user_id": 999999}),
    "hr.employees_csv": (HR_READ, {}),
    "hr_reports.dashboard": (HR_READ, {}),
    "hr_reports.quiz_insight_page": (HR_READ, {}),
    "hr_reports.signatures_csv": (HR_READ, {}),
    "hr_reports.consent_events_csv": (HR_READ, {}),
    "admin.roles": (ADMIN_ONLY, {}),
    "admin.change_role": (ADMIN_ONLY, {"user_id": 999999}),
    "assignments.index": (HR_READ, {}),
    "assignments.create": (HR_WRITE, {}),
    "reminders.index": (HR_READ, {}),
    "reminders.send": (HR_WRITE, {}),
    "reminders.send_one": (HR_WRITE, {"user_id": 1}),
    "notifications.index": (SIGNED_IN, {}),
    "main.next_thing": (SIGNED_IN, {}),
    "main.completed": (SIGNED_IN, {}),
    "notifications.open_one": (SIGNED_IN, {"notification_id": 1}),
    "notifications.read_all": (SIGNED_IN, {}),
    "sign.index": (SIGNED_IN, {}),
    "sign.confirmation": (SIGNED_IN, {"ack_id": 999999}),
    "sign.receipt": (SIGNED_IN, {"ack_id": 999999}),
    "sign.signed_text": (SIGNED_IN, {"ack_id": 999999}),
    "sign.complete": (SIGNED_IN, {"step_id": 999999}),
    "sign.confirm_code": (SIGNED_IN, {"step_id": 999999}),
    "sign.receipt_json": (SIGNED_IN, {"ack_id": 999999}),
    "consent.my_image": (SIGNED_IN, {}),
    "consent.decide": (SIGNED_IN, {}),
    "consent.receipt_pdf": (SIGNED_IN, {"event_id": 999999}),
    "consent.receipt_json": (SIGNED_IN, {"event_id": 999999}),
    "hr.employees": (HR_READ, {}),
    "hr.invite": (HR_WRITE, {}),
    "hr.import_csv": (HR_WRITE, {}),
    "hr.import_template": (HR_WRITE, {}),
    "hr.invitation_links": (HR_WRITE, {}),
    "hr.resend_invitation": (HR_WRITE, {"user_id": 999999}),
    "hr.reset_link": (HR_WRITE, {"user_id": 999999}),
    "hr.deactivate": (HR_WRITE, {"user_id": 999999}),
    "hr.reactivate": (HR_WRITE, {"user_id": 999999}),
    "hr_policy.index": (HR_READ, {}),
    "consent_hr.register": (CONSENT_READ, {}),
    "consent_hr.export": (CONSENT_WRITE, {}),
    "consent_hr.person": ({"GET": CONSENT_READ, "POST": HR_WRITE}, {"user_id": 999999}),
    "consent_hr.check": ({"GET": CONSENT_READ, "POST": CONSENT_WRITE}, {}),
    "consent_hr.check_result": (CONSENT_READ, {"check_id": 999999}),
    "consent_hr.reviews": (CONSENT_READ, {}),
    "consent_hr.review_done": (CONSENT_WRITE, {"check_person_id": 999999}),
    # The asset register: communications and HR (admins hold HR's rights); an asset's own pages
    # and clean images also open for the people tagged in it, so they are signed-in routes that
    # answer 404 to anyone else (tests/consent/test_assets.py proves it with real assets).
    "consent_assets.index": (CONSENT_WRITE, {}),
    "consent_assets.new": (CONSENT_WRITE, {}),
    "consent_assets.show": (SIGNED_IN, {"asset_id": 999999}),
    "consent_assets.image": (SIGNED_IN, {"asset_id": 999999}),
    "consent_assets.thumb": (SIGNED_IN, {"asset_id": 999999}),
    "consent_assets.original": (CONSENT_WRITE, {"asset_id": 999999}),
    "consent_assets.tag": (CONSENT_WRITE, {"asset_id": 999999}),
    "consent_assets.untag": (CONSENT_WRITE, {"asset_id": 999999, "user_id": 999999}),
    "consent_assets.publish": (CONSENT_WRITE, {"asset_id": 999999}),
    "consent_assets.takedown_list": (CONSENT_WRITE, {}),
    # Photo codes: anyone signed in shows their own; the photographer's phone page is the
    # register's (tests/consent/test_photo_codes.py tags with real codes).
    "photo_codes.my_code": (SIGNED_IN, {}),
    "photo_codes.scan": (CONSENT_WRITE, {"asset_id": 999999}),
    "consent_assets.takedown_decide": (
        CONSENT_WRITE,
        {"publication_id": 999999, "user_id": 999999},
    ),
    "learn_admin.modules": (HR_READ, {}),
    "learn_admin.move": (ADMIN_ONLY, {"slug": "why-a-policy"}),
    "learn_admin.toggle_required": (ADMIN_ONLY, {"slug": "why-a-policy"}),
    "authoring.index": (HR_WRITE, {}),
    "authoring.create": (HR_WRITE, {}),
    "authoring.draft": (HR_WRITE, {"draft_id": 999999}),
    "authoring.module": (HR_WRITE, {"draft_id": 999999, "slug": "why-a-policy"}),
    "authoring.question": (HR_WRITE, {"draft_id": 999999, "slug": "why-a-policy", "number": 1}),
    "authoring.step": (HR_WRITE, {"draft_id": 999999, "slug": "why-a-policy", "number": 1}),
    "authoring.edit_file": (HR_WRITE, {"draft_id": 999999}),
    "authoring.preview": (HR_WRITE, {"draft_id": 999999, "slug": "why-a-policy", "locale": "fr"}),
    "authoring.publish": (HR_WRITE, {"draft_id": 999999}),
    "authoring.discard": (HR_WRITE, {"draft_id": 999999}),
    "authoring_modules.module_settings": (HR_WRITE, {"draft_id": 999999, "slug": "why-a-policy"}),
    "authoring_modules.quiz_settings": (HR_WRITE, {"draft_id": 999999, "slug": "why-a-policy"}),
    "authoring_modules.retire": (ADMIN_ONLY, {"draft_id": 999999, "slug": "why-a-policy"}),
    "authoring_modules.restore": (ADMIN_ONLY, {"draft_id": 999999, "slug": "why-a-policy"}),
    "admin.settings_page": (ADMIN_ONLY, {}),
    "policy_admin.index": (ADMIN_ONLY, {}),
    "policy_admin.preview": (ADMIN_ONLY, {"version": 999}),
    "policy_admin.publish": (ADMIN_ONLY, {"version": 999}),
    "policy_builder.index": (HR_WRITE, {}),
    "policy_builder.new": (HR_WRITE, {}),
    "policy_builder.edit": (HR_WRITE, {"draft_id": 999}),
    "policy_builder.section": (HR_WRITE, {"draft_id": 999, "section_id": "scope"}),
    "policy_builder.add_section": (HR_WRITE, {"draft_id": 999}),
    "policy_builder.move": (HR_WRITE, {"draft_id": 999, "section_id": "scope", "move": "up"}),
    "policy_builder.preview": (HR_WRITE, {"draft_id": 999}),
    "policy_builder.section_preview": (HR_WRITE, {"draft_id": 999, "section_id": "scope"}),
    "policy_builder.approve": (HR_WRITE, {"draft_id": 999}),
    "policy_builder.publish": (HR_WRITE, {"draft_id": 999}),
    "consent_admin.purposes": (ADMIN_ONLY, {}),
    "consent_admin.sync": (ADMIN_ONLY, {}),
    "consent_admin.duration": (ADMIN_ONLY, {"purpose_id": 999999}),
    "consent_admin.active": (ADMIN_ONLY, {"purpose_id": 999999}),
}
# Routes authenticated by something other than the session cookie (no CSRF token expected).
CSRF_EXEMPT_PREFIXES = ("/api/", "/scim/")


def _rules(app):
    return [r for r in app.url_map.iter_rules()]


def test_every_route_is_in_the_access_table(app):
    endpoints = {rule.endpoint for rule in _rules(app)}
    assert endpoints - ACCESS.keys() == set(), "routes missing from the access table"
    assert ACCESS.keys() - endpoints == set(), "table entries for routes that do not exist"


def _manager_of(report):
    """An employee with one report: a manager."""
    from app.core.client import ClientInfo
    from app.people import managers

    boss = make_user("sweep-manager@example.com", "Sweep Manager")
    managers.set_manager(report, boss, actor=None, client=ClientInfo.system())
    return boss


@pytest.fixture
def people(app):
    """One signed-in-able account per role."""
    return {
        EMPLOYEE: make_user("sweep-employee@example.com", "Sweep Employee"),
        MANAGER: _manager_of(make_user("sweep-report@example.com", "Sweep Report")),
        COMMS: make_user("sweep-comms@example.com", "Sweep Comms", role=Role.COMMUNICATIONS),
        AUDITOR: make_user("sweep-auditor@example.com", "Sweep Auditor", role=Role.AUDITOR),
        HR: make_user("sweep-hr@example.com", "Sweep HR", role=Role.HR),
        ADMIN: make_user("sweep-admin@example.com", "Sweep Admin", role=Role.ADMIN),
    }


def _calls(app) -> list[tuple[str, str, str, set[str]]]:
    from flask import url_for

    calls = []
    with app.test_request_context():
        for rule in sorted(_rules(app), key=lambda r: r.endpoint):
            allowed, values = ACCESS[rule.endpoint]
            url = url_for(rule.endpoint, **values)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                who = allowed[method] if isinstance(allowed, dict) else allowed
                calls.append((rule.endpoint, method, url, who))
    return calls


def _refused(response) -> str | None:
    if response.status_code == 403:
        return "403"
    if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
        return "sign-in"
    return None


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_table_says(app, client, auth, people, role):
    if role != ANON:
        auth.login(people[role].email)
    token = csrf_token(client, "/login" if role == ANON else "/")
    wrong: list[str] = []
    for endpoint, method, url, allowed in _calls(app):
        if endpoint in {"auth.logout", "sessions.end_all", "sso.start", "sso.callback"}:
            continue  # signing out would end the sweep; SSO is off in this configuration
        data = {"csrf_token": token} if method != "GET" else None
        response = client.open(url, method=method, data=data)
        response.get_data()  # consume streamed bodies so their request context ends here
        response.close()
        refused = _refused(response)
        if allowed == TOKEN:
            if response.status_code != 401:
                wrong.append(f"{method} {url}: {response.status_code} without a bearer token")
            continue
        if response.status_code >= 500:
            wrong.append(f"{method} {url}: {response.status_code}")
        elif role in allowed and refused and not (endpoint == "auth.login" and role != ANON):
            wrong.append(f"{method} {url}: {role} refused ({refused})")
        elif role not in allowed:
            expected = "sign-in" if role == ANON else "403"
            if refused != expected:
                wrong.append(
                    f"{method} {url}: {role} got {response.status_code}, expected {expected}"
                )
    assert not wrong, "\n".join(wrong)


def test_every_form_route_refuses_a_missing_or_wrong_csrf_token(app, client, auth, people):
    auth.login(people[ADMIN].email)
    wrong: list[str] = []
    for endpoint, method, url, _allowed in _calls(app):
        if method == "GET" or url.startswith(CSRF_EXEMPT_PREFIXES):
            continue
        if endpoint in {"auth.logout", "sessions.end_all"}:
            continue
        for data in ({}, {"csrf_token": "forged"}):
            response = client.open(url, method=method, data=data)
            response.get_data()
            response.close()
            if response.status_code != 400:
                wrong.append(f"{method} {url} with {data or 'no token'}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert client.post("/logout").status_code == 400
    assert client.post("/me/sessions/end-all").status_code == 400
