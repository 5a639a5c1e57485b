"""Areas working together: the policy can be signed once the required modules are completed."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from tests.learning_helpers import complete_programme
from tests.policy_helpers import publish, sign_form


def test_signing_waits_for_the_required_modules(client, auth, employee):
    publish(1)
    auth.login(employee.email)
    page = client.get("/policy").get_data(as_text=True)
    assert "Complete the required modules of your programme before signing" in page
    refused = sign_form(client, name=employee.full_name)
    assert db.session.scalar(select(func.count()).select_from(Acknowledgement)) == 0
    assert refused.status_code in (200, 400, 403)

    complete_programme(client)
    response = sign_form(client, name=employee.full_name, follow=True)
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Acknowledgement)) == 1
