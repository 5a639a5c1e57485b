"""The employee CSV from one streamed statement says exactly what the per-batch version said.

The previous export (kept here as `_previous_lines`) read each batch of 1,000 people through
`people_status.statuses`, the authority the HR list still uses. The generated organisation has
every due-item kind: the programme and the policy (some signed an older version), HR assignments
by name and by department (dates past and future), modules updated since people completed them,
some of them completed again at the new version, and the optional refresher.
"""

from __future__ import annotations

import random
import shutil
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.core.client import ClientInfo
from app.demo import bulk, seed
from app.extensions import db
from app.hr_reports import employee_list, exports
from app.learn.content import catalog
from app.models.assignment import Assignment, AssignmentTarget
from app.models.learning import ModuleCompletion
from app.models.setting import Setting
from app.models.types import utcnow
from app.models.user import User
from app.people.directory import csv_line
from tests.learning_helpers import ROOT, copy_content, edit_file

UPDATED = ("why-a-policy", "professional-profile")


@pytest.fixture
def app_config(tmp_path):
    content_dir, quizzes_dir = copy_content(tmp_path / "src")
    for folder in ("policy", "consent"):  # the demo organisation's texts too
        if (ROOT / "content" / folder).exists():
            shutil.copytree(ROOT / "content" / folder, content_dir / folder)
    return {"CONTENT_DIR": str(content_dir), "QUIZZES_DIR": str(quizzes_dir)}


def _previous_lines(flt: employee_list.ListFilter, today: date) -> list[str]:
    """The export's lines as the previous implementation wrote them (people_status batches)."""
    labels = exports.policy_state_labels()
    yes_no = {True: "yes", False: "no"}
    lines = []
    for status in employee_list.export_statuses(flt, today):
        user = status.user
        lines.append(
            csv_line(
                [
                    user.full_name,
                    user.email,
                    user.department,
                    user.job_title,
                    exports.account_state(user),
                    status.programme.completed,
                    status.programme.required,
                    yes_no[status.overdue],
                    yes_no[status.due_soon],
                    exports._iso(status.due.next_due),  # the day format is shared
                    labels.get(status.policy_state, status.policy_state),
                    status.consent_granted,
                    status.consent_purposes,
                    exports._iso(status.last_activity),
                ]
            )
        )
    return lines


def _organisation(app, refresher_months: int) -> None:
    seed.load_demo()
    bulk.generate(90, seed=11)
    rng = random.Random(5)
    people = list(db.session.scalars(select(User).order_by(User.id)))
    today = utcnow().date()
    slugs = [m.slug for m in catalog.catalog().modules]
    for person in rng.sample(people, 25):
        assignment = Assignment(
            module_slug=rng.choice(slugs),
            department=None,
            due_on=today + timedelta(days=rng.randint(-40, 40)),
            created_at=utcnow(),
            created_by_id=None,
        )
        db.session.add(assignment)
        db.session.flush()
        db.session.add(AssignmentTarget(assignment_id=assignment.id, user_id=person.id))
    departments = sorted({p.department for p in people if p.department})
    for department in departments[:3]:
        for _ in range(2):
            db.session.add(
                Assignment(
                    module_slug=rng.choice(slugs),
                    department=department,
                    due_on=today + timedelta(days=rng.randint(-30, 30)),
                    created_at=utcnow(),
                    created_by_id=None,
                )
            )
    if refresher_months:
        db.session.add(Setting(key="assignments.refresher_months", value=str(refresher_months)))
    db.session.commit()
    # Two modules get a new material version: their completions become "old"; some people
    # complete the new version again.
    for slug in UPDATED:
        for locale in ("fr", "en"):
            edit_file(app.config["CONTENT_DIR"] + f"/modules/{slug}.{locale}.md", "version: 2",
                      "version: 3")  # fmt: skip
    redone = db.session.scalars(
        select(ModuleCompletion).where(ModuleCompletion.module_slug.in_(UPDATED))
    ).all()
    for old in rng.sample(list(redone), min(12, len(redone))):
        db.session.add(
            ModuleCompletion(
                user_id=old.user_id,
                module_slug=old.module_slug,
                material_version=3,
                content_hash=old.content_hash,
                score=90,
                attempt_id=old.attempt_id,
                completed_at=utcnow() - timedelta(days=rng.randint(0, 400)),
            )
        )
    db.session.commit()


def _policy_changes_what_a_module_teaches(hr) -> None:
    """Two major policy versions, the second rewording the confidentiality section: whoever
    completed the module teaching it before must do it again; some of them pass it again."""
    from app.models.learning import QuizAttempt
    from app.models.user import Role
    from app.policy import retraining
    from tests.conftest import make_user
    from tests.policy_helpers import publish_draft

    reviewer = make_user("reviewer@example.com", "Rita Reviewer", Role.HR)
    publish_draft(hr, reviewer, from_outline=True)  # sections with stable ids
    publish_draft(hr, reviewer, "confidentiality")
    again = retraining.modules_due_again()
    assert again, "the second version makes a module due again"
    slug = next(iter(again))
    version = {m.slug: m.material_version for m in catalog.catalog().modules}[slug]
    done = db.session.scalars(
        select(ModuleCompletion).where(ModuleCompletion.module_slug == slug)
    ).all()
    rng = random.Random(7)
    for completion in rng.sample(list(done), min(8, len(done))):
        attempt = db.session.get(QuizAttempt, completion.attempt_id)
        db.session.add(
            QuizAttempt(
                token=f"again-{completion.id}",
                user_id=completion.user_id,
                module_slug=slug,
                quiz_hash=attempt.quiz_hash,
                material_version=version,
                question_order=attempt.question_order,
                choice_order=attempt.choice_order,
                answers=attempt.answers,
                score=attempt.score,
                max_score=attempt.max_score,
                percent=attempt.percent,
                passed=True,
                started_at=utcnow(),
                submitted_at=utcnow(),
            )
        )
    db.session.commit()


@pytest.mark.parametrize(
    ("refresher_months", "retraining"),
    [(0, False), (1, False), (0, True)],
    ids=["no-refresher", "refresher", "module-due-again-after-a-major-policy-version"],
)
def test_the_streamed_export_writes_what_the_batched_one_wrote(
    app, hr, refresher_months, retraining
):
    _organisation(app, refresher_months)
    if retraining:
        _policy_changes_what_a_module_teaches(hr)
    today = utcnow().date()
    filters = [
        employee_list.ListFilter(),
        employee_list.ListFilter(sort="activity", desc=True),
        employee_list.ListFilter(sort="progress", due="overdue"),
        employee_list.ListFilter(policy="outdated", sort="department"),
    ]
    for flt in filters:
        # (The new export first: it audits itself, which is HR's last activity in both.)
        current = list(
            exports.employee_lines(flt, today, bom=False, actor=hr, client=ClientInfo.system())
        )
        previous = _previous_lines(flt, today)
        assert current[1:] == previous, flt
    assert len(_previous_lines(filters[0], today)) > 90
    # The organisation really has every kind of item.
    everyone = list(employee_list.export_statuses(employee_list.ListFilter(), today))
    keys = {item.key.split(":")[0] for s in everyone for item in s.due.items}
    assert {"programme", "policy", "module"} <= keys
    if retraining:  # someone has the module due again, someone passed it again
        again = {s.user.id for s in everyone for item in s.due.items if item.key.startswith(
            "module:") and not item.done}  # fmt: skip
        assert again
    # (No refresher falls due in this generated organisation since 11 modules are required and
    # two of them get a new version: the refresher rows are compared when present. A fixture
    # with finished programmes would cover them; see the issue 24 note.)


def test_the_export_sends_the_same_statements_for_ten_or_a_hundred_people(app, hr, count_queries):
    """One statement for everyone (plus the audit entry and a few small reads), whatever the
    number of people: no query per person or per module."""
    seed.load_demo()
    today = utcnow().date()

    def export() -> tuple[int, int]:
        db.session.commit()
        with count_queries() as counter:
            lines = list(
                exports.employee_lines(
                    employee_list.ListFilter(),
                    today,
                    bom=False,
                    actor=hr,
                    client=ClientInfo.system(),
                )
            )
        return counter.count, len(lines)

    export()  # warm the per-process caches (content, placements, versions seen)
    small, small_lines = export()
    bulk.generate(100, seed=11)
    large, large_lines = export()
    assert large_lines > small_lines + 90
    assert large == small
