"""The employee CSV export of everyone on an existing database: time and peak Python memory.

Streams the export (`hr_reports.exports.employee_lines`, one statement) to nowhere, `--runs`
times, and reports the median time, the CPU time of this process and, on PostgreSQL, of the
server process that answered (from /proc: the server must run on this machine; a streamed
cursor gets no parallel workers), the lines written and the peak traced memory; with
`--previous`, also the per-batch version it replaced (`people_status.statuses`, as
tests/hr_reports/test_export_rows.py keeps it) for comparison. Build the database first, e.g.
`DATABASE_URL=... flask db upgrade && DATABASE_URL=... flask demo --employees 50000`.
Usage: python bench/bench_export.py DATABASE_URL [--runs 3] [--previous]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _server_cpu(pid: int | None) -> float:
    """CPU seconds used so far by one PostgreSQL server process (0 when it cannot be read)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--previous", action="store_true", help="also the per-batch version")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url

    import results_file
    from sqlalchemy import func, select, text

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
        server_pid = (
            db.session.scalar(text("SELECT pg_backend_pid()"))
            if db.engine.dialect.name == "postgresql"
            else None
        )

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
            times, process_cpu, server_cpu, lines = [], [], [], 0
            for _ in range(args.runs):
                started = time.perf_counter()
                cpu, server = _process_cpu(), _server_cpu(server_pid)
                lines = run()
                times.append(time.perf_counter() - started)
                process_cpu.append(_process_cpu() - cpu)
                server_cpu.append(_server_cpu(server_pid) - server)
                db.session.rollback()
            tracemalloc.start()
            run()
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            db.session.rollback()
            results[label] = {
                "median_s": round(statistics.median(times), 2),
                "runs_s": [round(t, 2) for t in times],
                "process_cpu_s": round(statistics.median(process_cpu), 2),
                "server_cpu_s": round(statistics.median(server_cpu), 2),
                "lines": lines,
                "peak_mib": round(peak / 2**20, 1),
            }
            print(
                f"{label}: {results[label]['median_s']} s median of {args.runs} "
                f"({results[label]['runs_s']}), CPU {results[label]['process_cpu_s']} s here + "
                f"{results[label]['server_cpu_s']} s server, {lines} lines, "
                f"peak {results[label]['peak_mib']} MiB"
            )
    load = [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    out = results_file.write(
        "export",
        {
            "people": people,
            "backend": args.database_url.split(":")[0],
            "load_average": load,
            "results": results,
        },
    )
    print(f"{people} people; written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
