#!/usr/bin/env python3
"""Resolve 'both sides added lines' merge conflicts by keeping both (ours first, no duplicates).

Only for files where each side appended independent lines (imports, registrations, lists);
review the result. Usage: scripts/union_conflicts.py FILE [FILE ...]
"""

import sys


def _declaration(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(
        (
            "from ",
            "import ",
            "app.register_blueprint(",
            "app.cli.add_command(",
            "<li>",
            "{% if",
            "{% endif",
        )
    )


def resolve(text: str) -> str:
    out, ours, theirs, state = [], [], [], None
    for line in text.splitlines(keepends=True):
        if line.startswith("<<<<<<< "):
            state, ours, theirs = "ours", [], []
        elif line.startswith("=======") and state == "ours":
            state = "theirs"
        elif line.startswith(">>>>>>> ") and state == "theirs":
            merged = list(ours)
            # Drop only repeated one-line declarations (imports, registrations), never code lines.
            merged += [x for x in theirs if x not in ours or not _declaration(x)]
            out += merged
            state = None
        elif state == "ours":
            ours.append(line)
        elif state == "theirs":
            theirs.append(line)
        else:
            out.append(line)
    return "".join(out)


for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as handle:
        content = handle.read()
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(resolve(content))
