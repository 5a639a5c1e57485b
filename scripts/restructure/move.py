"""git mv every module to its domain package (one-time; issue 15)."""

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from mapping import GONE_PACKAGES, MOVES, NEW_PACKAGES  # noqa: E402


def path_of(module: str) -> Path:
    return Path(*module.split(".")).with_suffix(".py")


def git(*args: str) -> None:
    subprocess.run(["git", *args], check=True)


for package, doc in NEW_PACKAGES.items():
    init = Path(*package.split(".")) / "__init__.py"
    if package == "app.integrations.api":
        init.parent.mkdir(parents=True, exist_ok=True)
        git("mv", "app/api/__init__.py", str(init))
        continue
    init.parent.mkdir(parents=True, exist_ok=True)
    init.write_text(f'"""{doc}"""\n')
    git("add", str(init))

for old, new in MOVES.items():
    source, target = path_of(old), path_of(new)
    target.parent.mkdir(parents=True, exist_ok=True)
    git("mv", str(source), str(target))

for package in GONE_PACKAGES:
    init = Path(*package.split(".")) / "__init__.py"
    if init.exists():
        git("rm", "-q", str(init))
    leftovers = [p for p in init.parent.glob("*") if p.name != "__pycache__"] if init.parent.exists() else []
    if leftovers:
        print("left in", init.parent, leftovers)
