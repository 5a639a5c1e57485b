"""Consent filters with "all purposes" filter people instead of being ignored (issue 20)."""

from __future__ import annotations

import re

from tests.consent_helpers import decide

NAMES = ("Élodie Employée", "Olivier Autre", "Hugo Humain")
EMPLOYEE_RE = re.compile(r'<td class="person-cell"><a href="/hr/employees/\d+">([^<]+)</a>')


def _register(client, query: str) -> set[str]:
    html = client.get("/hr/consent?" + query).get_data(as_text=True)
    return {name for name in NAMES if name in html}


def _employees(client, query: str) -> set[str]:
    return set(EMPLOYEE_RE.findall(client.get("/hr/employees?" + query).get_data(as_text=True)))


def test_employee_list_granted_with_any_purpose(
    client, auth, hr, employee, other_employee, purposes
):
    decide(employee, "company-website", "photo", "granted")
    decide(other_employee, "company-website", "photo", "refused")
    auth.login(hr.email)
    assert _employees(client, "") >= {"Élodie Employée", "Olivier Autre"}
    assert _employees(client, "purpose=&consent=granted") == {"Élodie Employée"}
    assert _employees(client, "consent=refused") == {"Olivier Autre"}
    # Everyone was not asked about at least one purpose in use.
    assert _employees(client, "purpose=&consent=never") >= {"Élodie Employée", "Hugo Humain"}
    assert _employees(client, "consent=revoked") == set()


def test_register_granted_with_all_purposes(client, auth, hr, employee, other_employee, purposes):
    decide(employee, "company-website", "photo", "granted")
    decide(other_employee, "company-website", "photo", "refused")
    auth.login(hr.email)
    for query in ("state=granted", "state=granted&purpose=", "state=granted&purpose=&medium="):
        assert _register(client, query) == {"Élodie Employée"}, query
    assert _register(client, "state=refused&purpose=") == {"Olivier Autre"}
