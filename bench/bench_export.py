"""The employee CSV export of everyone on an existing database: time and peak Python memory.

Streams the export (`hr_reports.exports.employee_lines`, one statement) to nowhere, `--runs`
times, and reports the median time, the lines written and the peak traced memory; with
`--previous`, also the per-batch version it replaced (`people_status.statuses`, as
tests/hr_reports/test_export_rows.py keeps it) for comparison. Build the database first, e.g.
`DATABASE_URL=... flask db upgrade && DATABASE_URL=... flask demo --employees 50000`.
Usage: python bench/bench_export.py DATABASE_URL [--runs 3] [--previous]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--previous", action="store_true", help="also the per-batch version")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url

    import results_file
    from sqlalchemy import func, select

    from app import create_app
    from app.core.client import ClientInfo
    from app.extensions import db
    from app.hr_reports import employee_list, exports
    from app.models.types import utcnow
    from app.models.user import User

    app = create_app()
    results = {}
    with app.app_context(), app.test_request_context():
        hr = db.session.scalar(select(User).where(User.role == "hr").limit(1))
        people = db.session.scalar(select(func.count()).select_from(User))
        today = utcnow().date()

        def current() -> int:
            lines = exports.employee_lines(
                employee_list.ListFilter(), today, bom=True, actor=hr, client=ClientInfo.system()
            )
            return sum(1 for _ in lines)

        def previous() -> int:
            return sum(1 for _ in employee_list.export_statuses(employee_list.ListFilter(), today))

        candidates = {"streamed statement (now)": current}
        if args.previous:
            candidates["per-batch statuses (before)"] = previous
        for label, run in candidates.items():
            times, lines = [], 0
            for _ in range(args.runs):
                started = time.perf_counter()
                lines = run()
                times.append(time.perf_counter() - started)
                db.session.rollback()
            tracemalloc.start()
            run()
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            db.session.rollback()
            results[label] = {
                "median_s": round(statistics.median(times), 2),
                "runs_s": [round(t, 2) for t in times],
                "lines": lines,
                "peak_mib": round(peak / 2**20, 1),
            }
            print(
                f"{label}: {results[label]['median_s']} s median of {args.runs} "
                f"({results[label]['runs_s']}), {lines} lines, peak {results[label]['peak_mib']} MiB"
            )
    out = results_file.write(
        "export",
        {"people": people, "backend": args.database_url.split(":")[0], "results": results},
    )
    print(f"{people} people; written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
