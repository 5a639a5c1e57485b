"""SQL statements per learner page: a fixed bound per page, whatever the amount of data.

The bounds are the counts before the performance work (issue 24) minus the repeated queries
and the small global tables now kept per process (app/core/process_cache.py). A page that needs
a new query should say so here; a count that grows with the number of people, completions,
assignments or consent decisions is a bug (N+1), and the second half of each test proves it
does not.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models.assignment import Assignment, AssignmentTarget
from app.models.types import utcnow
from tests.conftest import BACKEND, CSRF_RE, make_user
from tests.learning_helpers import TOKEN_RE, answers_for, read_all_steps, submit

# Before issue 24 → now (what went: settings, placements, versions seen, the current policy
# and the assignments read per process; completions read once; the latest consent decisions
# taken from the person's history).
BOUNDS = {
    # Issue 20 then added the notification bell's unread count (now read in the same statement
    # as the sign-in check), one to the step page (its practice answers) and issue 21 three to
    # "my image" (the assets the person appears in, their publications and take-downs).
    # Then: whether the person was ever reminded or named in an assignment came into the
    # sign-in check's statement (home), the published policy and the consent purposes and texts
    # into per-process copies (policy, my image), a person's signatures into one plain read.
    # The step page no longer reads the person's place in the module, which it never showed;
    # whether the person was ever tagged in an asset came into the sign-in check (my image).
    "home": 4,  # was 16
    "step": 2,  # was 3
    "quiz page": 2,  # was 4
    "policy": 3,  # was 7
    "my image": 3,  # was 7 (without the asset register); 4 for someone tagged in an asset
}
SUBMIT_PASSING = 10  # was 24: one transaction and one chain lock for submission, completion
# and the module certificate (18 while the certificate was a second transaction, 16 until the
# completion and the certificate became one INSERT ... ON CONFLICT DO NOTHING each, the
# programme status was taken from the completions read in the transaction instead of a read
# after the commit; counted with nothing loaded beforehand, as a request in production starts)
# (SQLite counts its BEGIN IMMEDIATE statements where PostgreSQL takes the chain lock.)
# On PostgreSQL one fewer since the chain lock and the head are read in one call.
SUBMIT_PASSING_POSTGRESQL = 9
SUBMIT_FAILING = 7  # was 8
SLUG = "why-a-policy"


def _pages(client) -> dict[str, str]:
    attempt = read_all_steps(client, SLUG)
    return {
        "home": "/",
        "step": f"/learn/{SLUG}/1",
        "quiz page": attempt,
        "policy": "/policy",
        "my image": "/me/image",
    }


def _counts(client, count_queries, pages: dict[str, str]) -> dict[str, int]:
    found = {}
    for name, path in pages.items():
        for _ in range(2):  # warm: caches, templates, module versions first seen
            assert client.get(path).status_code == 200, path
        with count_queries() as counter:
            assert client.get(path).status_code == 200, path
        found[name] = counter.count
    return found


def _more_data(app, employee) -> None:
    """Other people with history, HR assignments by name and by department, more completions."""
    today = utcnow().date()
    for index in range(12):
        make_user(f"other{index}@example.com", f"Other {index}", department=employee.department)
    for slug in ("professional-profile", "disclosure-transparency"):
        assignment = Assignment(
            module_slug=slug,
            department=None,
            due_on=today + timedelta(days=10),
            created_at=utcnow(),
            created_by_id=None,
        )
        db.session.add(assignment)
        db.session.flush()
        db.session.add(AssignmentTarget(assignment_id=assignment.id, user_id=employee.id))
    db.session.add(
        Assignment(
            module_slug="comments-and-crises",
            department=employee.department,
            due_on=today + timedelta(days=20),
            created_at=utcnow(),
            created_by_id=None,
        )
    )
    db.session.commit()


def test_learner_pages_stay_within_their_statement_bounds(
    app, client, auth, employee, count_queries
):
    auth.login(employee.email)
    pages = _pages(client)
    counts = _counts(client, count_queries, pages)
    for name, bound in BOUNDS.items():
        assert counts[name] <= bound, f"{name}: {counts[name]} statements (bound {bound})"

    # More people, assignments and completions: the same statements, except the one the home
    # page skips for someone no assignment names (the sign-in check says so); now that two do,
    # it looks them up.
    _more_data(app, employee)
    for slug in ("professional-profile", "disclosure-transparency"):
        submit(client, read_all_steps(client, slug), answers_for(slug))
    more = _counts(client, count_queries, pages)
    assert more == {**counts, "home": counts["home"] + 1}
    for name, bound in BOUNDS.items():
        assert more[name] <= bound, f"{name}: {more[name]} statements (bound {bound})"


@pytest.mark.parametrize("passing", [True, False], ids=["passing", "failing"])
def test_a_quiz_submit_stays_within_its_statement_bound(
    app, client, auth, employee, count_queries, passing
):
    auth.login(employee.email)
    client.get("/")
    url = read_all_steps(client, SLUG)
    page = client.get(url).get_data(as_text=True)
    fields = {
        "csrf_token": CSRF_RE.search(page).group(1),
        "attempt_token": TOKEN_RE.search(page).group(1),
        **answers_for(SLUG, right=passing),
    }
    # A request starts with nothing loaded, as in production (the test's session would
    # otherwise still hold the attempt the quiz page read, and save its query).
    db.session.expunge_all()
    with count_queries() as counter:
        response = client.post(url, data=fields)
    assert response.status_code == 302
    passing_bound = SUBMIT_PASSING_POSTGRESQL if BACKEND == "postgresql" else SUBMIT_PASSING
    bound = passing_bound if passing else SUBMIT_FAILING
    assert counter.count <= bound, f"{counter.count} statements (bound {bound})"
