"""Rewrite imports after the move to domain packages (one-time; issue 15).

`from app.services import consent` becomes `from app.consent import decisions` and every use of
the module's local name in that file is renamed with it (scope-aware, via libcst). Where the new
name would clash with any other name bound in the file, the old name is kept as an alias.
Dotted paths in strings (monkeypatch targets) are rewritten too.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, ScopeProvider

sys.path.insert(0, str(Path(__file__).parent))
from mapping import MOVES  # noqa: E402


def dotted(node: cst.BaseExpression | None) -> str:
    if node is None:
        return ""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return dotted(node.value) + "." + node.attr.value
    raise TypeError(node)


def expr(path: str) -> cst.BaseExpression:
    parts = path.split(".")
    node: cst.BaseExpression = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


class Planner:
    def __init__(self, wrapper: MetadataWrapper):
        self.wrapper = wrapper
        scopes = set(wrapper.resolve(ScopeProvider).values())
        self.bound = {a.name for s in scopes if s is not None for a in s.assignments}
        self.renames: dict[cst.Name, str] = {}  # Name node -> new value
        self.replacements: dict[cst.ImportFrom, list[cst.ImportFrom]] = {}
        self.scope_of = wrapper.resolve(ScopeProvider)
        self.taken: set[str] = set()

    def plan(self) -> None:
        for node in list(self.scope_of):
            if isinstance(node, cst.ImportFrom) and node.relative == () and node.module:
                self.plan_import(node)

    def plan_import(self, node: cst.ImportFrom) -> None:
        module = dotted(node.module)
        if module in MOVES:  # from app.services.x import y
            self.replacements[node] = [node.with_changes(module=expr(MOVES[module]))]
            return
        if isinstance(node.names, cst.ImportStar):
            return
        changed = False
        grouped: dict[str, list[cst.ImportAlias]] = {}
        kept: list[cst.ImportAlias] = []
        for alias in node.names:
            name = dotted(alias.name)
            full = f"{module}.{name}"
            local = alias.asname.name.value if alias.asname else name
            if full not in MOVES:
                kept.append(alias)
                continue
            changed = True
            package, _, new_name = MOVES[full].rpartition(".")
            wanted = new_name
            if alias.asname or wanted == local:  # an explicit alias stays
                new_local = local
            elif wanted in self.bound or wanted in self.taken:
                new_local = local  # keep the old name: the new one is taken in this file
            else:
                new_local = wanted
            self.taken.add(new_local)
            asname = None if new_local == new_name else cst.AsName(name=cst.Name(new_local))
            grouped.setdefault(package, []).append(cst.ImportAlias(name=cst.Name(new_name), asname=asname))
            if new_local != local:
                scope = self.scope_of[node]
                for assignment in scope[local]:
                    if getattr(assignment, "node", None) is node:
                        for access in assignment.references:
                            if isinstance(access.node, cst.Name):
                                self.renames[access.node] = new_local
        if not changed:
            return
        out = []
        if kept:
            out.append(node.with_changes(names=self._fix_commas(kept)))
        for package, aliases in grouped.items():
            out.append(cst.ImportFrom(module=expr(package), names=self._fix_commas(aliases)))
        self.replacements[node] = out

    @staticmethod
    def _fix_commas(aliases):
        return [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in aliases]


class Rewriter(cst.CSTTransformer):
    def __init__(self, planner: Planner):
        self.p = planner

    def leave_Name(self, original, updated):
        if original in self.p.renames:
            return updated.with_changes(value=self.p.renames[original])
        return updated

    def leave_SimpleStatementLine(self, original, updated):
        body = list(updated.body)
        orig = list(original.body)
        if len(orig) == 1 and isinstance(orig[0], cst.ImportFrom) and orig[0] in self.p.replacements:
            new = self.p.replacements[orig[0]]
            lines = [updated.with_changes(body=[new[0].with_changes(names=[n for n in new[0].names])])]
            # keep the line's trailing comment on the first statement only
            for stmt in new[1:]:
                lines.append(cst.SimpleStatementLine(body=[stmt], leading_lines=[]))
            return cst.FlattenSentinel(lines)
        return updated.with_changes(body=body)


STRING_PATHS = sorted(MOVES, key=len, reverse=True)
STRING_RE = re.compile(r"(?<![\w.])(" + "|".join(re.escape(k) for k in STRING_PATHS) + r")(?![\w])")


def rewrite(path: Path) -> bool:
    source = path.read_text()
    module = cst.parse_module(source)
    wrapper = MetadataWrapper(module)
    planner = Planner(wrapper)
    planner.plan()
    new = wrapper.module.visit(Rewriter(planner)).code
    new = STRING_RE.sub(lambda m: MOVES[m.group(1)], new)
    if new != source:
        path.write_text(new)
        return True
    return False


if __name__ == "__main__":
    changed = 0
    for name in sys.argv[1:]:
        if rewrite(Path(name)):
            changed += 1
    print(f"{changed} files rewritten")
