"""Public verification pages name the organisation that issued the document (issue 20)."""

from __future__ import annotations

import pytest

from app.core import settings
from app.core.client import ClientInfo
from app.policy import signing
from tests.conftest import PASSWORD
from tests.consent_helpers import decide
from tests.policy_helpers import publish

pytestmark = pytest.mark.usefixtures("no_signing_prerequisites")


@pytest.fixture
def acme(app, admin):
    settings.update(
        {settings.ORGANISATION_NAME.key: "Acme Coopérative"},
        actor=admin,
        client=ClientInfo.system(),
    )
    return "Acme Coopérative"


def test_policy_receipt_page_and_json_name_the_issuer(client, acme, employee):
    publish(1)
    code = signing.sign(
        employee,
        version_number=1,
        locale="en",
        typed_name=employee.full_name,
        password=PASSWORD,
        client=ClientInfo.system(),
    ).acknowledgement.code
    html = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "Issued by" in html and acme in html
    assert " UTC" in html  # the time as evidence: local and UTC
    assert client.get(f"/verify/{code}?format=json").get_json()["issuer"] == acme


def test_consent_verification_page_names_the_issuer(client, acme, employee, purposes):
    event = decide(employee, "company-website", "photo", "granted")
    html = client.get(f"/image-consent/verify/{event.code}").get_data(as_text=True)
    assert "Issued by" in html and acme in html
