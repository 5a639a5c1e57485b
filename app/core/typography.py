"""French typography for texts shown in French: no-break spaces and the typographic apostrophe.

Applied to text only: plain strings (quiz texts, titles) and the text nodes of a markdown-it
token stream, never to code, URLs, link targets, image descriptions or HTML.
- narrow no-break space (U+202F) before ; ! ? and inside « »;
- no-break space (U+00A0) before :;
- ’ for an apostrophe between two letters (l'entreprise → l’entreprise).
A space is added only where the text has one or where the mark follows a word and is followed by
a space (so "10:30", "https://" and "page?id=2" are left alone).
"""

from __future__ import annotations

import re
from typing import Any

NNBSP = "\u202f"
NBSP = "\u00a0"
_SPACES = "[ \t\u00a0\u202f]"
_RULES = (
    (re.compile(r"(?<=\w)'(?=\w)"), "’"),
    (re.compile(rf"«{_SPACES}*"), f"«{NNBSP}"),
    (re.compile(rf"{_SPACES}*»"), f"{NNBSP}»"),
    (re.compile(rf"{_SPACES}+([;!?])"), rf"{NNBSP}\1"),
    (re.compile(r"(?<=[\w»)])([;!?])(?=\s|$)"), rf"{NNBSP}\1"),
    (re.compile(rf"{_SPACES}+:"), f"{NBSP}:"),
    (re.compile(r"(?<=[\w»)]):(?=\s|$)"), f"{NBSP}:"),
)


def french(text: str) -> str:
    """The text with French typography (idempotent)."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def for_locale(text: str, locale: str | None) -> str:
    """French typography when the locale is French, the text unchanged otherwise."""
    return french(text) if text and (locale or "").startswith("fr") else text


def apply_to_tokens(tokens: list[Any], locale: str | None) -> None:
    """Apply French typography to the text nodes of markdown-it tokens, in place.

    Only `text` children of inline tokens change: code spans, fences, link targets, autolinks
    (whose text is the URL) and images (whose text becomes an attribute) are left as they are.
    """
    if not (locale or "").startswith("fr"):
        return
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        in_autolink = False
        for child in token.children:
            if child.type == "link_open":
                in_autolink = child.markup == "autolink" or child.info == "auto"
            elif child.type == "link_close":
                in_autolink = False
            elif child.type == "text" and not in_autolink:
                child.content = french(child.content)
