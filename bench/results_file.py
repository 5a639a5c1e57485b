"""Writing a benchmark's results: bench/results/NAME.json, stamped with the machine and date."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def write(name: str, results: dict) -> Path:
    """Write `results` with the machine and the date to bench/results/`name`.json."""
    out = RESULTS / f"{name}.json"
    stamped = {
        "machine": {
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
        },
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        **results,
    }
    out.write_text(json.dumps(stamped, indent=2))
    return out
