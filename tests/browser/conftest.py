"""Browser tests: Debian's Chromium driven by Playwright against the app on a real local server.

Every page a journey visits is checked with axe-core (WCAG 2.1 A/AA) and the Nu HTML Checker.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.config import TestConfig

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-GB"}


@pytest.fixture
def server_url(app):
    """Serve this test's app on a free port of 127.0.0.1 with a real threaded server."""
    server = make_server("127.0.0.1", _free_port(), app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    # Links shown or mailed are built from CHARTE_BASE_URL, never from the request: point the
    # default at this server so that a journey can follow them (a test may set its own).
    if app.config["CHARTE_BASE_URL"] == TestConfig.CHARTE_BASE_URL:
        app.config["CHARTE_BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def html_checker():
    """The Nu HTML Checker as a local service (one JVM for the whole run)."""
    if not VNU_JAR.exists():
        pytest.fail(f"{VNU_JAR} is missing: run `npm install` (make test does it)")
    port = _free_port()
    process = subprocess.Popen(
        [
            "java",
            "-Dnu.validator.servlet.bind-address=127.0.0.1",
            "-cp",
            str(VNU_JAR),
            "nu.validator.servlet.Main",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/?out=json"
    deadline = time.time() + 180  # a loaded machine starts the JVM slowly
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("the Nu HTML Checker did not start")

    def check(html: str) -> list[str]:
        request = urllib.request.Request(
            url,
            data=html.encode(),
            method="POST",
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
            messages = json.load(response)["messages"]
        return [
            f"line {m.get('lastLine')}: {m['message']}"
            for m in messages
            if m.get("type") == "error"
        ]

    yield check
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def check_page(html_checker):
    """Call check_page(page) on every visited page: no axe violation, no HTML error."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page) -> None:
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"
        errors = html_checker(page.content())
        assert not errors, f"{page.url}: HTML errors\n" + "\n".join(errors)

    return check


def sign_in(page, base_url: str, email: str, password: str) -> None:
    """Sign in through the form, as a person would."""
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def menu_link(page, menu: str, link: str, exact: bool = True):
    """Open one of the header's menus (a <details>) and return the link in it."""
    nav = page.get_by_role("navigation", name="Main menu")
    nav.locator("summary", has_text=menu).first.click()
    return nav.get_by_role("link", name=link, exact=exact)


def check_both_widths(page, check_page) -> None:
    """check_page at desktop (1280 px) and phone (390 px) widths, then back to desktop."""
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        check_page(page)
    page.set_viewport_size({"width": 1280, "height": 900})


def answer_quiz(page, slug: str, right: bool = True) -> None:
    """Answer the quiz on screen from its definition (all right, or one wrong choice each) and
    submit. Only the questions drawn for this attempt are on the page."""
    from playwright.sync_api import expect

    from app.learn.content import catalog

    definition = catalog.module_or_none(slug).quiz.definition
    # The quiz page must be there before asking which questions it drew: count() does not wait,
    # so on a page still loading a drawn question would look absent and stay unanswered.
    submit = page.get_by_role("button", name="Submit my answers")
    expect(submit).to_be_visible()
    for question in definition["questions"]:
        ids = [choice["id"] for choice in question["choices"]]
        wanted = (
            question["correct"] if right else [c for c in ids if c not in question["correct"]][:1]
        )
        for choice in wanted:
            box = page.locator(f'input[name="q-{question["id"]}"][value="{choice}"]')
            if box.count():
                box.check()
    submit.click()
