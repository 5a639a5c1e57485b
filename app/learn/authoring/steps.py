"""One module step of a module file: read its heading and text, write them back in place.

Steps are the `## ` headings of the file body outside code fences, as the loader splits them
(app.learn.content.validation); everything else in the file (front matter, other steps,
practice blocks) is kept byte for byte.
"""

from __future__ import annotations


def _headings(lines: list[str]) -> list[int]:
    """Indexes of the step heading lines (after the front matter, outside fences)."""
    found: list[int] = []
    in_fence = False
    start = 0
    if lines and lines[0].strip() == "---":
        for index in range(1, len(lines)):
            if lines[index].strip() == "---":
                start = index + 1
                break
    for index in range(start, len(lines)):
        line = lines[index]
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if not in_fence and line.startswith("## "):
            found.append(index)
    return found


def count(text: str) -> int:
    """How many steps the file has."""
    return len(_headings(text.split("\n")))


def read(text: str, number: int) -> tuple[str, str] | None:
    """(heading, Markdown text) of step `number` (1-based), or None when there is no such step."""
    lines = text.split("\n")
    heads = _headings(lines)
    if not 1 <= number <= len(heads):
        return None
    first = heads[number - 1]
    end = heads[number] if number < len(heads) else len(lines)
    return lines[first][3:].strip(), "\n".join(lines[first + 1 : end]).strip("\n")


def write(text: str, number: int, title: str, body: str) -> str:
    """The file with step `number` replaced (its heading and text); other lines unchanged."""
    lines = text.split("\n")
    heads = _headings(lines)
    if not 1 <= number <= len(heads):
        raise IndexError(number)
    first = heads[number - 1]
    end = heads[number] if number < len(heads) else len(lines)
    old = lines[first + 1 : end]
    # Keep the blank lines around the text as they were (the file is diffed and exported).
    lead = next((i for i, line in enumerate(old) if line.strip()), len(old))
    trail = (
        next((i for i, line in enumerate(reversed(old)) if line.strip()), 0)
        if lead < len(old)
        else 0
    )
    body_lines = body.replace("\r\n", "\n").strip("\n").split("\n")
    new = [f"## {title.strip()}", *[""] * lead, *body_lines, *[""] * trail]
    return "\n".join(lines[:first] + new + lines[end:])
