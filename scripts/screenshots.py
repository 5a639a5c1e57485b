#!/usr/bin/env python3
"""Take the README's screenshots on a throwaway demo instance with Playwright (Debian's Chromium).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--chromium /usr/bin/chromium]

It migrates a temporary SQLite database, loads the demo data (`flask demo`), runs the scheduled
jobs once (`flask worker --once`, so the bell has its notices), serves the app on a free port of
127.0.0.1, signs in as the demo employee and the demo HR manager, and writes the learner home, a
module step, the HR dashboard and the employee list at 1280 px and 390 px wide.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLASK = str(Path(sys.executable).with_name("flask"))
PASSWORD = "charte-demo-2026"  # noqa: S105  (the demo accounts' published password, app/demo/seed.py)
WIDTHS = {"desktop": (1280, 860), "phone": (390, 844)}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 240) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the demo server did not answer at {url}")


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


def shoot(page, out: Path, name: str, full_page: bool = False) -> None:
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(150)
        path = out / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=full_page)
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {
            **os.environ,
            "FLASK_APP": "wsgi.py",
            "CHARTE_ENV": "development",
            "DATABASE_URL": f"sqlite:///{tmp}/demo.db",
            "CHARTE_BASE_URL": f"http://127.0.0.1:{port}",
            "MAIL_SERVER": "",
        }
        for command in (["db", "upgrade"], ["demo"], ["worker", "--once"]):
            subprocess.run([FLASK, *command], cwd=ROOT, env=env, check=True, capture_output=True)
        server = subprocess.Popen(
            [FLASK, "run", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(f"{base}/healthz")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=args.chromium, args=CHROMIUM_ARGS
                )
                page = browser.new_context(locale="fr-FR").new_page()
                sign_in(page, base, "lea.martin@example.com")
                page.goto(f"{base}/")
                shoot(page, out, "learner-home")
                page.locator(".primary-action .button.primary").first.click()
                page.wait_for_load_state()
                shoot(page, out, "module-step")
                page.context.close()

                page = browser.new_context(locale="fr-FR").new_page()
                sign_in(page, base, "rh@example.com")  # HR land on their dashboard
                shoot(page, out, "hr-dashboard")
                page.goto(f"{base}/hr/employees")
                shoot(page, out, "employee-list")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
