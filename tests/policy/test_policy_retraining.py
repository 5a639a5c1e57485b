"""Training on what changed: a major version makes due again only the modules teaching a
changed section, for whoever completed them before; passing the quiz again settles it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.assignments import due, due_sql
from app.extensions import db
from app.models.user import User
from app.policy import retraining, versions
from tests.conftest import post_form
from tests.learning_helpers import complete_module
from tests.policy_helpers import publish_draft

pytestmark = pytest.mark.usefixtures("no_signing_prerequisites")


@pytest.fixture
def reviewer(app):
    from app.models.user import Role
    from tests.conftest import make_user

    return make_user("reviewer@example.com", "Rita Reviewer", Role.HR)


def _module_items(user: User, today):
    summary = due.summaries([user], today)[user.id]
    return {item.key: item for item in summary.items if item.key.startswith("module:")}


def _sql_agrees(user: User, today) -> None:
    conds = due_sql.conditions(today)
    summary = due.summaries([user], today)[user.id]
    for which in ("overdue", "due_soon"):
        found = db.session.scalar(
            select(User.id).where(User.id == user.id, due_sql.matching(conds, which, []))
        )
        assert (found is not None) == due_sql.matches(summary, which), which


def test_only_modules_teaching_a_changed_section_are_due_again(
    app, client, auth, hr, reviewer, employee
):
    publish_draft(hr, reviewer)
    auth.login(employee.email)
    complete_module(client, "confidential-information")  # teaches confidentiality
    complete_module(client, "account-security")  # teaches official accounts, not confidentiality
    today = datetime.now(UTC).date()
    assert "module:confidential-information" not in _module_items(employee, today)
    # A minor version changes nothing for training.
    publish_draft(hr, reviewer, "confidentiality", major=False)
    assert retraining.modules_due_again() == {}
    # A major version changing the confidentiality section.
    publish_draft(hr, reviewer, "confidentiality")
    again = retraining.modules_due_again()
    assert "confidential-information" in again and "account-security" not in again
    items = _module_items(employee, today)
    assert not items["module:confidential-information"].done
    assert "module:account-security" not in items
    _sql_agrees(employee, today)
    _sql_agrees(employee, today + timedelta(days=30))
    # Passing the quiz again settles it.
    post_form(client, "/learn/confidential-information/again", page="/learn")
    complete_module(client, "confidential-information")
    items = _module_items(employee, today)
    assert (
        "module:confidential-information" not in items
        or items["module:confidential-information"].done
    )
    _sql_agrees(employee, today + timedelta(days=30))


def test_changed_sections_compares_by_section_id(app, hr, reviewer):
    publish_draft(hr, reviewer)
    publish_draft(hr, reviewer, "respect")
    latest = versions.published_versions()
    assert retraining.changed_sections(latest[1], latest[0]) == {"respect"}


def test_a_skipped_major_version_still_counts(
    app, client, auth, hr, reviewer, employee, other_employee, count_queries
):
    """Someone who learnt a module under version 1 and skipped version 2 retrains on what changed
    from 1 to 3 (2 changed confidentiality, 3 official accounts), not only on what 3 changed;
    someone who retrained under version 2 only does what 3 changed."""
    publish_draft(hr, reviewer)
    for person in (employee, other_employee):
        auth.login(person.email)
        complete_module(client, "confidential-information")  # teaches confidentiality
        complete_module(client, "account-security")  # teaches official accounts
        auth.logout()
    publish_draft(hr, reviewer, "confidentiality")
    v2 = versions.current_version()
    # other_employee retrains under version 2; employee does not.
    auth.login(other_employee.email)
    post_form(client, "/learn/confidential-information/again", page="/learn")
    complete_module(client, "confidential-information")
    auth.logout()
    publish_draft(hr, reviewer, "official-accounts")
    v3 = versions.current_version()
    again = retraining.modules_due_again()
    assert again["confidential-information"] == v2.published_at  # the latest change to it
    assert again["account-security"] == v3.published_at
    today = datetime.now(UTC).date()
    skipped = _module_items(employee, today)
    assert not skipped["module:confidential-information"].done  # changed 1→2, never retrained
    assert not skipped["module:account-security"].done  # changed 2→3
    retrained = _module_items(other_employee, today)
    assert (
        "module:confidential-information" not in retrained
        or retrained["module:confidential-information"].done
    )
    assert not retrained["module:account-security"].done
    for person in (employee, other_employee):
        _sql_agrees(person, today)
        _sql_agrees(person, today + timedelta(days=30))
    # The rule is computed once per process, not per person: many people, same statements.
    with count_queries() as counted:
        due.summaries([employee, other_employee], today)
    with count_queries() as counted_one:
        due.summaries([employee], today)
    assert len(counted.statements) == len(counted_one.statements)
