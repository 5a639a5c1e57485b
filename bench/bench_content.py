"""Quiz scoring and content loading: time per call, and proof that content is parsed once per
process (not per request).

Prints a table and writes bench/results/content.json:
- parsing the whole catalog (modules and quizzes, validated) from the files;
- `content.load` when nothing changed: with the app's recheck delay (no file looked at) and
  without it (a stat of every file);
- scoring one quiz submission (`quiz_scoring.score_quiz`), for each quiz of the catalog;
- how many times the catalog was parsed while a signed-in learner viewed 200 pages.
Usage: python bench/bench_content.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.learn import quiz_scoring  # noqa: E402
from app.learn.content import catalog as content  # noqa: E402
from app.learn.content import validation  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import results_file  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def per_call_us(task, calls: int, rounds: int) -> float:
    """Median over `rounds` of the mean time of one call, in microseconds."""
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(calls):
            task()
        timings.append((time.perf_counter() - started) / calls * 1e6)
    return statistics.median(timings)


def submissions(quiz: dict, count: int, seed: int = 7) -> list[dict[str, list[str]]]:
    """Random answers to every question (some right, some wrong, some partial)."""
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        answers = {}
        for question in quiz["questions"]:
            ids = [choice["id"] for choice in question["choices"]]
            picked = rng.sample(ids, rng.randint(1, 2 if question["type"] == "multiple" else 1))
            answers[question["id"]] = picked
        found.append(answers)
    return found


def parses_per_process(pages: int) -> dict:
    """Serve `pages` learner pages in one app (a fresh SQLite database with the demo data),
    counting how often the catalog is parsed from the files."""
    from flask_migrate import upgrade

    from app import create_app
    from app.demo import seed as demo

    parsed = []
    original = content.load_catalog

    def counting(*args, **kwargs):
        parsed.append(1)
        return original(*args, **kwargs)

    content.load_catalog = counting
    content._cache.clear()
    try:
        with tempfile.TemporaryDirectory() as folder:
            os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.db"
            app = create_app()
            with app.app_context():
                upgrade(directory=str(ROOT / "migrations"))
                demo.load_demo()
            client = app.test_client()
            token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
            client.post(
                "/login",
                data={
                    "email": "lea.martin@example.com",
                    "password": demo.DEMO_PASSWORD,
                    "csrf_token": token,
                },
            )
            paths = ["/", "/learn/why-a-policy/1", "/learn/why-a-policy/2", "/policy"]
            statuses = set()
            started = time.perf_counter()
            for number in range(pages):
                statuses.add(client.get(paths[number % len(paths)]).status_code)
            elapsed = time.perf_counter() - started
    finally:
        content.load_catalog = original
    return {
        "pages": pages,
        "statuses": sorted(statuses),
        "catalog_parses": len(parsed),
        "mean_page_ms": round(elapsed / pages * 1000, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    modules_dir, quizzes_dir = ROOT / "content", ROOT / "quizzes"

    parse_us = per_call_us(
        lambda: validation.load_catalog(modules_dir, quizzes_dir), 5, args.rounds
    )
    content._cache.clear()
    catalog = content.load(modules_dir, quizzes_dir)
    assert catalog.ok, catalog.errors
    cached_us = per_call_us(
        lambda: content.load(modules_dir, quizzes_dir, recheck_after=2.0), 10_000, args.rounds
    )
    stat_us = per_call_us(lambda: content.load(modules_dir, quizzes_dir), 500, args.rounds)

    scoring = {}
    for module in catalog.modules:
        quiz = module.quiz.definition
        answers = submissions(quiz, 1000)
        cycle = iter(answers * 1000)
        scoring[module.slug] = {
            "questions": len(quiz["questions"]),
            "us_per_submission": round(
                per_call_us(
                    lambda q=quiz, c=cycle: quiz_scoring.score_quiz(
                        q["questions"], next(c), q["pass_mark"]
                    ),
                    1000,
                    args.rounds,
                ),
                1,
            ),
        }
    process = parses_per_process(200)

    print(f"{'what':<52}{'per call':>14}")
    print(f"{'parse and validate the catalog (files)':<52}{parse_us / 1000:>11.1f} ms")
    print(f"{'content.load, unchanged, within the recheck delay':<52}{cached_us:>11.2f} µs")
    print(f"{'content.load, unchanged, files looked at (stat)':<52}{stat_us:>11.1f} µs")
    for slug, found in scoring.items():
        label = f"score a submission: {slug} ({found['questions']} q.)"
        print(f"{label:<52}{found['us_per_submission']:>11.1f} µs")
    print(
        f"\ncatalog parsed {process['catalog_parses']} time(s) for {process['pages']} learner "
        f"pages in one process (statuses {process['statuses']}, "
        f"{process['mean_page_ms']} ms per page in-process)"
    )
    results_file.write(
        "content",
        {
            "parse_catalog_ms": round(parse_us / 1000, 2),
            "load_cached_us": round(cached_us, 2),
            "load_with_stat_us": round(stat_us, 1),
            "scoring": scoring,
            "per_process": process,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
