"""Demo data: one admin, one HR manager and a handful of employees at different stages."""

from __future__ import annotations

from sqlalchemy import select

from app.consent import texts
from app.core.client import ClientInfo
from app.demo import scenario
from app.extensions import db
from app.models.types import utcnow
from app.models.user import Role, User
from app.people import accounts
from app.policy import versions

DEMO_PASSWORD = "charte-demo-2026"  # noqa: S105 - printed on purpose for trying the app

DEMO_PEOPLE = [
    ("admin@example.com", "Alice Admin", Role.ADMIN, "Direction", "Administratrice", "fr"),
    ("rh@example.com", "Hélène Ressources", Role.HR, "Ressources humaines", "Responsable RH", "fr"),
    (
        "lea.martin@example.com",
        "Léa Martin",
        Role.EMPLOYEE,
        "Marketing",
        "Chargée de communication",
        "fr",
    ),
    ("karim.benali@example.com", "Karim Benali", Role.EMPLOYEE, "Ventes", "Commercial", "fr"),
    ("sophie.nguyen@example.com", "Sophie Nguyen", Role.EMPLOYEE, "Marketing", "Graphiste", "fr"),
    ("tom.baker@example.com", "Tom Baker", Role.EMPLOYEE, "Engineering", "Developer", "en"),
    (
        "chloe.dubois@example.com",
        "Chloé Dubois",
        Role.EMPLOYEE,
        "Ventes",
        "Assistante commerciale",
        "fr",
    ),
]


def demo_accounts() -> list[tuple[str, str, str]]:
    """(email, role, password) of every demo account, for printing."""
    return [(email, role.value, DEMO_PASSWORD) for email, _, role, *_rest in DEMO_PEOPLE]


def load_demo() -> int:
    """Publish policy v1 if none is, import the consent purposes, create the missing demo accounts
    and record what each has done (app/demo/scenario.py).

    Returns how many accounts were created.
    """
    if versions.current_version_number() is None:
        versions.publish(1, actor=None, client=ClientInfo.system())
    texts.sync_from_files(actor=None, client=ClientInfo.system())
    existing = set(db.session.scalars(select(User.email)))
    today = utcnow().date()
    created = 0
    for email, name, role, department, title, locale in DEMO_PEOPLE:
        if email in existing:
            continue
        user = accounts.create_user(
            accounts.NewUser(
                email=email,
                full_name=name,
                role=role,
                department=department,
                job_title=title,
                start_date=scenario.start_date(email, today),
                locale=locale,
            ),
            actor=None,
            client=ClientInfo.system(),
        )
        accounts.set_password(
            user, DEMO_PASSWORD, DEMO_PASSWORD, via="demo", client=ClientInfo.system()
        )
        scenario.play(user, DEMO_PASSWORD)
        created += 1
    db.session.commit()
    return created
