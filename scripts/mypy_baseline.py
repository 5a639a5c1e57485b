"""mypy with a baseline that may only shrink: `make lint` fails on any error not in the baseline.

The baseline (mypy-baseline.txt) lists today's known errors without line numbers, so editing a
file does not invalidate it. Fixing errors is always welcome: run
`python scripts/mypy_baseline.py --update` to record the smaller baseline in the same commit.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "mypy-baseline.txt"
LINE = re.compile(r"^(?P<path>[^:]+):\d+: error: (?P<message>.*)$")


def current_errors() -> Counter[str]:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "app"], cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode not in (0, 1):
        sys.exit(result.stdout + result.stderr)
    errors: Counter[str] = Counter()
    for line in result.stdout.splitlines():
        match = LINE.match(line)
        if match:
            errors[f"{match['path']}: {match['message']}"] += 1
    return errors


def main() -> int:
    errors = current_errors()
    if "--update" in sys.argv:
        BASELINE.write_text("".join(f"{e}\n" for e in sorted(errors.elements())))
        print(f"mypy baseline: {sum(errors.values())} known errors recorded.")
        return 0
    known = Counter(BASELINE.read_text().splitlines()) if BASELINE.exists() else Counter()
    new = errors - known
    fixed = known - errors
    if new:
        print("mypy: errors not in the baseline (fix them; the baseline may only shrink):")
        for error in sorted(new.elements()):
            print(f"  {error}")
        return 1
    print(f"mypy: {sum(errors.values())} known errors, none new.")
    if fixed:
        print(f"  {sum(fixed.values())} fixed: run `python scripts/mypy_baseline.py --update`.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
