"""The house plan holds: a domain is one folder, folders stay readable, routes never import routes.

import-linter (`make lint`, contracts in pyproject.toml) guards the layers and the acyclic domain
graph; these checks cover what its contracts cannot express.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
MAX_MODULES_PER_FOLDER = 20


def _is_routes(path: Path) -> bool:
    return path.stem == "routes" or path.stem.endswith("_routes")


def _imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("app"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_routes_module_imports_another():
    offenders = []
    for path in APP.rglob("*.py"):
        if not _is_routes(path):
            continue
        for module in _imported_modules(path):
            if module.startswith("app.") and _is_routes(Path(module.replace(".", "/"))):
                offenders.append(f"{path.relative_to(APP.parent)} imports {module}")
    assert offenders == [], "share the helper through a service or app/web instead"


def test_no_folder_holds_more_than_twenty_modules():
    for folder in [APP, *[p for p in APP.rglob("*") if p.is_dir()]]:
        modules = list(folder.glob("*.py"))
        assert len(modules) <= MAX_MODULES_PER_FOLDER, f"{folder} holds {len(modules)} modules"


def test_the_flat_services_folder_and_the_wiring_module_are_gone():
    assert not (APP / "services").exists()
    assert not (APP / "wiring.py").exists()


def test_every_scrolling_table_is_reachable_by_keyboard():
    """A `.table-wrap` scrolls sideways on a phone: it must take focus and be a named region,
    or a keyboard user cannot see its last columns (axe: scrollable-region-focusable)."""
    wrapper = re.compile(r'<div class="table-wrap"[^>]*>')
    unreachable = []
    for template in sorted((APP / "templates").rglob("*.html")):
        for tag in wrapper.findall(template.read_text(encoding="utf-8")):
            named = "aria-label=" in tag or "aria-labelledby=" in tag
            if 'tabindex="0"' not in tag or 'role="region"' not in tag or not named:
                unreachable.append(f"{template.relative_to(APP)}: {tag}")
    assert unreachable == []
