"""Fit a string into a width: shrink it first, wrap it below a minimum size, never overflow."""

from __future__ import annotations

import math
import unicodedata

from reportlab.pdfbase.pdfmetrics import stringWidth

ELLIPSIS = "\u2026"


def strip_controls(text: str) -> str:
    """Return ``text`` in NFC without control characters other than whitespace."""
    # NFC: reportlab draws one glyph per code point and does not position
    # combining accents, so "E" + U+0301 must become "É" before drawing.
    text = unicodedata.normalize("NFC", text)
    if text.isprintable():
        return text
    # Controls such as NUL or ESC would be drawn as empty boxes.
    return "".join(c for c in text if c.isspace() or unicodedata.category(c) != "Cc")


def clean(text: str) -> str:
    """Return ``text`` in NFC, without controls, whitespace runs collapsed to single spaces."""
    return " ".join(strip_controls(text).split())


def _floor(value: float) -> float:
    """Round a font size down to 0.1 pt so the chosen size never exceeds the exact fit."""
    return math.floor(value * 10) / 10


def _tokens(words: list[str], font: str, limit: float | None) -> list[tuple[str, float, bool]]:
    """Return (text, width at 1 pt, glued to previous) tokens; cut words wider than ``limit``."""
    tokens = []
    for word in words:
        width = stringWidth(word, font, 1)
        if limit is None or width <= limit:
            tokens.append((word, width, False))
            continue
        # A word that cannot fit even alone (a URL, a hash) is cut between
        # characters; the pieces are glued back without spaces.
        piece, piece_width, glued = "", 0.0, False
        for char in word:
            char_width = stringWidth(char, font, 1)
            if piece and piece_width + char_width > limit:
                tokens.append((piece, piece_width, glued))
                piece, piece_width, glued = "", 0.0, True
            piece += char
            piece_width += char_width
        tokens.append((piece, piece_width, glued))
    return tokens


def _greedy(
    tokens: list[tuple[str, float, bool]], space: float, limit: float
) -> list[tuple[str, float]]:
    """Fill lines left to right up to ``limit`` (1 pt units); return (line, width) pairs."""
    lines: list[tuple[str, float]] = []
    text, width = "", 0.0
    for token, token_width, glued in tokens:
        gap = 0.0 if glued or not text else space
        if text and width + gap + token_width > limit:
            lines.append((text, width))
            text, width = token, token_width
        else:
            text += ("" if glued or not text else " ") + token
            width += gap + token_width
    lines.append((text, width))
    return lines


def _truncate(line: str, font: str, size: float, max_width: float) -> str:
    """Shorten ``line`` and end it with an ellipsis so that it fits ``max_width`` at ``size``."""
    while line and stringWidth(line + ELLIPSIS, font, size) > max_width:
        line = line[:-1]
    return line.rstrip() + ELLIPSIS


def wrap_text(text: str, font: str, size: float, max_width: float) -> list[str]:
    """Wrap ``text`` greedily at ``size`` into as many lines of at most ``max_width`` as needed."""
    text = clean(text)
    if not text:
        return []
    limit = max_width / size
    tokens = _tokens(text.split(" "), font, limit)
    return [line for line, _ in _greedy(tokens, stringWidth(" ", font, 1), limit)]


def fit_text(
    text: str, font: str, max_width: float, max_size: float, min_size: float, max_lines: int = 2
) -> tuple[list[str], float]:
    """Return (lines, size) fitting ``max_width``: one line down to ``min_size``, then wrapped."""
    text = clean(text)
    if not text:
        return [], max_size
    unit = stringWidth(text, font, 1)
    if unit * max_size <= max_width:
        return [text], max_size
    if unit * min_size <= max_width or max_lines < 2:
        size = _floor(max_width / unit)
        if size >= min_size:
            return [text], size
    else:
        # Balanced wrap: the smallest line width (in 1 pt units) that greedy
        # filling packs into max_lines lines gives the largest usable size and
        # evenly filled lines, which matters for centred text.
        space = stringWidth(" ", font, 1)
        tokens = _tokens(text.split(" "), font, None)
        low = max(max(t[1] for t in tokens), unit / max_lines)
        high = unit
        for _ in range(30):
            mid = (low + high) / 2
            if len(_greedy(tokens, space, mid)) <= max_lines:
                high = mid
            else:
                low = mid
        lines = _greedy(tokens, space, high)
        widest = max(width for _, width in lines)
        size = min(max_size, _floor(max_width / widest))
        if size >= min_size and all(stringWidth(t, font, size) <= max_width for t, _ in lines):
            return [t for t, _ in lines], size
    # Too long even on max_lines lines at min_size: wrap at min_size, cutting
    # words if needed, and end the last kept line with an ellipsis.
    limit = max_width / min_size
    lines = _greedy(_tokens(text.split(" "), font, limit), stringWidth(" ", font, 1), limit)
    kept = [t for t, _ in lines[:max_lines]]
    if len(lines) > max_lines:
        kept[-1] = _truncate(kept[-1], font, min_size, max_width)
    # Float sums can exceed the limit by a hair; trim rather than overflow.
    kept = [
        t
        if stringWidth(t, font, min_size) <= max_width
        else _truncate(t, font, min_size, max_width)
        for t in kept
    ]
    return kept, min_size
