"""Upload validation needs nothing from the test extra: scripts/check_uploads.py runs every
hostile sample in a fresh interpreter where importing pytest, hypothesis... fails.

The same script run with a production-style install (`pip install .` into a new venv, no
extras) is the manual check described in README "Security baseline".
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from scripts import check_uploads

ROOT = Path(__file__).resolve().parents[2]


def test_validation_runs_without_any_test_extra(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_uploads.py"), "--block-test-extras"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"app imported from {ROOT / 'app' / '__init__.py'}" in result.stdout
    total = len(check_uploads.CASES)
    assert f"{total} of {total} as expected" in result.stdout
