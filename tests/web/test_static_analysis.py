"""Static security analysis: bandit finds nothing of medium or high severity in the app."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_bandit_finds_no_medium_or_high_severity_issue():
    bandit = shutil.which("bandit") or str(Path(sys.executable).with_name("bandit"))
    if not Path(bandit).exists():
        pytest.fail("bandit is not installed (it is in the test extras)")
    result = subprocess.run(
        [bandit, "-r", str(ROOT / "app"), "-q", "--severity-level", "medium", "-f", "txt"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:]
