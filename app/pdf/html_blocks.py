"""Turn a stored text's sanitised HTML into blocks that reportlab paragraphs can draw.

Policy texts are stored as the exact HTML the signer read (CommonMark rendered, then cleaned by
nh3), and their SHA-256 is of that HTML, so the annex of a receipt is drawn from it rather than
from the Markdown. reportlab's Paragraph understands only a small inline markup (<b>, <i>,
<font>, <br/>), and no library here converts HTML to it, so this parser maps the few tags
CommonMark produces onto that markup; anything else keeps its text and loses its formatting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from xml.sax.saxutils import escape

from app.pdf.fonts import MONO
from app.pdf.textfit import strip_controls

__all__ = ["Block", "html_blocks"]

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_INLINE_OPEN = {"strong": "<b>", "b": "<b>", "em": "<i>", "i": "<i>"}
_INLINE_CLOSE = {"strong": "</b>", "b": "</b>", "em": "</i>", "i": "</i>"}
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Block:
    """One paragraph to draw: its kind, its escaped inline markup, list depth and bullet.

    kind is "heading1" … "heading6", "paragraph", "item", "quote", "preformatted" or "rule".
    """

    kind: str
    markup: str = ""
    depth: int = 0
    bullet: str = ""


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.kind = "paragraph"
        self.bullet = ""
        self.lists: list[list] = []  # [ordered?, next number]
        self.quote_depth = 0
        self.pre = False

    # -- block handling --------------------------------------------------------------------------
    def _default_kind(self) -> str:
        if self.lists:
            return "item"
        return "quote" if self.quote_depth else "paragraph"

    def _flush(self) -> None:
        markup = "".join(self.parts).strip()
        if self.pre:
            markup = "".join(self.parts).strip("\n")
        if markup and markup not in {"<br/>"}:
            self.blocks.append(Block(self.kind, markup, max(len(self.lists) - 1, 0), self.bullet))
            # A second paragraph inside the same list item has no bullet of its own.
            self.bullet = ""
        self.parts = []
        self.kind = self._default_kind()

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _HEADINGS:
            self._flush()
            self.kind = "heading" + tag[1]
        elif tag == "p":
            # Inside a list item, a paragraph only starts a new block when the item has text.
            if self.parts or not self.lists:
                self._flush()
        elif tag in {"ul", "ol"}:
            self._flush()
            self.lists.append([tag == "ol", 1])
            self.kind = "item"
        elif tag == "li":
            self._flush()
            self.kind = "item"
            if self.lists and self.lists[-1][0]:
                self.bullet = f"{self.lists[-1][1]}."
                self.lists[-1][1] += 1
            else:
                self.bullet = "•"
        elif tag == "blockquote":
            self._flush()
            self.quote_depth += 1
            self.kind = self._default_kind()
        elif tag == "pre":
            self._flush()
            self.pre = True
            self.kind = "preformatted"
        elif tag == "hr":
            self._flush()
            self.blocks.append(Block("rule"))
        elif tag == "br":
            self.parts.append("<br/>")
        elif tag in _INLINE_OPEN:
            self.parts.append(_INLINE_OPEN[tag])
        elif tag == "code" and not self.pre:
            self.parts.append(f'<font face="{MONO}">')
        elif tag == "img":
            alt = dict(attrs).get("alt") or ""
            if alt:
                self.parts.append(escape(f"[{alt}]"))

    def handle_endtag(self, tag: str) -> None:
        if tag in _HEADINGS or (tag == "p" and not self.lists):
            self._flush()
        elif tag in {"ul", "ol"}:
            self._flush()
            if self.lists:
                self.lists.pop()
            self.kind = self._default_kind()
        elif tag == "li":
            self._flush()
        elif tag == "blockquote":
            self._flush()
            self.quote_depth = max(self.quote_depth - 1, 0)
            self.kind = self._default_kind()
        elif tag == "pre":
            self._flush()
            self.pre = False
            self.kind = self._default_kind()
        elif tag in _INLINE_CLOSE:
            self.parts.append(_INLINE_CLOSE[tag])
        elif tag == "code" and not self.pre:
            self.parts.append("</font>")

    def handle_data(self, data: str) -> None:
        data = strip_controls(data)
        if self.pre:
            lines = [escape(line).replace(" ", "\u00a0") for line in data.split("\n")]
            self.parts.append("<br/>".join(lines))
            return
        text = _SPACES.sub(" ", data)
        if not self.parts or self.parts[-1].endswith("<br/>"):
            text = text.lstrip()
        if text:
            self.parts.append(escape(text))

    def close(self) -> None:
        super().close()
        self._flush()


def html_blocks(html: str) -> list[Block]:
    """The blocks of a sanitised HTML fragment, in reading order."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return _balanced(parser.blocks)


def _balanced(blocks: list[Block]) -> list[Block]:
    """Drop inline tags left open or closed twice, which reportlab's markup parser rejects."""
    result = []
    for block in blocks:
        markup = block.markup
        for tag in ("b", "i", "font"):
            opened = len(re.findall(rf"<{tag}[ >]", markup))
            closed = markup.count(f"</{tag}>")
            if opened != closed:
                markup = re.sub(rf"</?{tag}[^>]*>", "", markup)
        result.append(Block(block.kind, markup, block.depth, block.bullet))
    return result
