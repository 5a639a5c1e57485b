"""No bracketed plural and no ISO date in the text of any French page (issue 20).

Signs in as the French demo accounts (an employee, HR, an administrator) and follows every link
of the pages they can reach, as a curious person would, reading the visible text of each page.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from app.demo import seed
from tests.locale_helpers import (
    BRACKETED_PLURAL,
    ISO_DATE,
    ONE_PLURAL,
    per_request_locale,
    visible_text,
)

HREF = re.compile(r'href="([^"#]+)')
SKIP = re.compile(
    r"/logout|/static/|\.(csv|pdf|json|zip|png|svg)\b|/language|refresh=|/api/|format="
)
START = ["/", "/me", "/learn", "/policy", "/me/image", "/hr", "/hr/employees", "/hr/consent",
         "/admin/settings", "/certificates", "/hr/reminders", "/hr/import"]  # fmt: skip
LIMIT = 160


def _crawl(client) -> dict[str, str]:
    seen: dict[str, str] = {}
    queue = list(START)
    while queue and len(seen) < LIMIT:
        url = queue.pop(0)
        if url in seen or SKIP.search(url):
            continue
        response = client.get(url)
        if response.status_code in (301, 302, 303) and response.location.startswith("/"):
            queue.append(response.location)
        if response.status_code != 200 or response.mimetype != "text/html":
            seen[url] = ""
            continue
        html = response.get_data(as_text=True)
        seen[url] = html
        for href in HREF.findall(html):
            target = urljoin(url, href.replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.netloc and parts.netloc != "localhost":
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path.startswith("/") and path not in seen and "page=" not in path:
                queue.append(path)
    return seen


@pytest.mark.parametrize("email", ["lea.martin@example.com", "rh@example.com", "admin@example.com"])
def test_french_pages_have_real_plurals_and_dates_in_words(app, client, auth, email):
    per_request_locale(app)
    seed.load_demo()
    assert auth.login(email, seed.DEMO_PASSWORD).status_code == 302
    pages = _crawl(client)
    assert len([html for html in pages.values() if html]) > 8, " ".join(
        f"{u}={bool(h)}" for u, h in pages.items()
    )
    problems = []
    for url, html in pages.items():
        if not html:
            continue
        assert 'lang="fr"' in html, url
        text = visible_text(html)
        for pattern in (BRACKETED_PLURAL, ONE_PLURAL, ISO_DATE):
            for match in pattern.finditer(text):
                around = text[max(0, match.start() - 60) : match.end() + 40]
                problems.append(f"{url}: …{around}…")
    assert problems == [], "\n".join(problems[:40])


def test_the_scan_finds_what_it_looks_for():
    html = (
        "<p>0 module(s) terminé(s), 1 personnes, jusqu’au 2029-11-29</p>"
        '<time datetime="2029-11-29">29 novembre 2029</time><input value="2026-01-01">'
    )
    text = visible_text(html)
    assert BRACKETED_PLURAL.search(text) and ONE_PLURAL.search(text)
    assert ISO_DATE.findall(text) == ["2029-11-29"]
