"""Every page, at 1280 px and 390 px: axe-core (WCAG 2.1 A/AA) and the Nu HTML Checker.

The journeys check the pages they pass through; this test checks the ones nobody's journey
reaches. On the demo organisation (plus a communications officer, an auditor and a manager), each
role signs in and follows every link of the app it is shown, breadth first, one page per path
shape (ids and tokens count as one: /hr/employees/3 and /hr/employees/4 are the same page), and
each page is checked at both widths. A page already checked for an earlier role is not checked
again. Every problem found is listed at the end, so one run shows them all.

The HTML and the accessibility of a page do not depend on the database, so this runs on the
SQLite pass only (marker `backend_independent`).
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urlsplit

import pytest

from app.demo import seed
from app.extensions import db
from app.models.user import Role, User
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.backend_independent

# Links that are not pages to check: leaving, switching language, files and feeds.
SKIPPED_PATHS = re.compile(
    r"^/(logout|set-language|language|sso/|static/|media/|api/|scim/|metrics|healthz|readyz|"
    r"\.well-known/)"
)
SKIPPED_SUFFIXES = (".csv", ".pdf", ".json", ".png", ".jpg", ".jpeg", ".svg", ".zip", ".xlsx")
PAGES_PER_ROLE = 80
WIDTHS = ((1280, 900), (390, 844))


def _shape(path: str) -> str:
    """The path with ids, codes and tokens replaced: one page per shape is enough."""
    # One module of a content draft stands for all of them (and one language of its preview).
    path = re.sub(
        r"^(/admin/content/drafts/\d+/(?:modules|quizzes|preview))/[a-z0-9-]+(/(?:fr|en)$)?",
        r"\1/#slug",
        path,
    )
    shape = re.sub(r"/\d+(?=/|$)", "/#", path)
    shape = re.sub(r"/[0-9A-Z]{4}(-[0-9A-Z]{4})+(?=/|$)", "/#code", shape)
    return re.sub(r"/[A-Za-z0-9_\-]{24,}(?=/|$)", "/#token", shape)


def _links(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin:
            continue
        if SKIPPED_PATHS.match(parts.path) or parts.path.endswith(SKIPPED_SUFFIXES):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _problems(page, check_page) -> list[str]:
    problems = []
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        try:
            check_page(page)
        except AssertionError as failure:
            problems.append(f"[{width} px] {failure}")
    page.set_viewport_size({"width": 1280, "height": 900})
    return problems


def _crawl(page, server_url: str, check_page, checked: set[str]) -> tuple[list[str], int]:
    """Follow every link from the home page; returns the problems and how many pages were seen."""
    queue: deque[str] = deque(["/"])
    seen_shapes: set[str] = set()
    problems: list[str] = []
    visited = 0
    while queue and visited < PAGES_PER_ROLE:
        target = queue.popleft()
        shape = _shape(urlsplit(target).path)
        if shape in seen_shapes:
            continue
        seen_shapes.add(shape)
        response = page.goto(server_url + target)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        visited += 1
        if response.status >= 500:
            problems.append(f"{target}: HTTP {response.status}")
            continue
        if shape not in checked and response.status == 200:
            checked.add(shape)
            problems.extend(_problems(page, check_page))
        queue.extend(link for link in _links(page, server_url) if link not in queue)
    return problems, visited


def _open_draft_with_problems() -> None:
    """An open content draft whose quiz lost an English text: its page lists the problem."""
    from app.core import content_store
    from app.core.client import ClientInfo
    from app.learn.authoring import drafts

    hr = db.session.scalar(db.select(User).where(User.email == "rh@example.com"))
    draft = drafts.create("Autumn update", actor=hr, client=ClientInfo.system())
    quiz = "quizzes/why-a-policy.yaml"
    text = content_store.effective_files()[quiz]
    broken = text.replace("    en: ", "    en-gone: ", 1)
    assert broken != text
    drafts.save_files(draft, {quiz: broken}, actor=hr, client=ClientInfo.system())
    assert not drafts.validate(draft).ok


def test_every_page_passes_axe_and_the_html_checker_at_both_widths(
    app, page, server_url, check_page
):
    seed.load_demo()
    make_user("comms@example.com", "Camille Communication", Role.COMMUNICATIONS, locale="fr")
    make_user("audit@example.com", "Arthur Audit", Role.AUDITOR, locale="en")
    # Karim manages Chloé: a manager is an employee with reports.
    karim = db.session.scalar(db.select(User).where(User.email == "karim.benali@example.com"))
    chloe = db.session.scalar(db.select(User).where(User.email == "chloe.dubois@example.com"))
    chloe.manager_id = karim.id
    db.session.commit()
    _open_draft_with_problems()

    accounts = [
        ("lea.martin@example.com", seed.DEMO_PASSWORD),
        ("tom.baker@example.com", seed.DEMO_PASSWORD),
        ("karim.benali@example.com", seed.DEMO_PASSWORD),
        ("comms@example.com", PASSWORD),
        ("audit@example.com", PASSWORD),
        ("rh@example.com", seed.DEMO_PASSWORD),
        ("admin@example.com", seed.DEMO_PASSWORD),
    ]
    checked: set[str] = set()
    problems: list[str] = []
    for email, password in accounts:
        page.context.clear_cookies()
        sign_in(page, server_url, email, password)
        found, visited = _crawl(page, server_url, check_page, checked)
        assert visited > 3, f"{email} reached only {visited} page(s)"
        problems.extend(f"{email} {problem}" for problem in found)
    # Nothing a journey would miss: the learner pages and the HR, consent and admin areas.
    for area in (
        "/",
        "/me",
        "/hr/employees",
        "/admin/settings",
        # Content authoring: a draft with problems, a module with its settings, a file. The
        # states only a form leads to (and retiring) are in test_authoring_pages.py.
        "/admin/content/drafts/1",
        "/admin/content/drafts/1/modules/why-a-policy",
        "/admin/content/drafts/1/file",
    ):
        assert _shape(area) in checked, f"{area} was never reached"
    assert not problems, f"{len(problems)} problem(s):\n\n" + "\n\n".join(problems)
