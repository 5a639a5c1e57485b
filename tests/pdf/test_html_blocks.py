"""The policy annex: sanitised HTML becomes paragraphs reportlab can draw, text kept whole."""

from __future__ import annotations

import io

from pypdf import PdfReader

from app.pdf.html_blocks import Block, html_blocks
from app.pdf.receipt import ReceiptAnnex, ReceiptDocument, render_receipt


def test_headings_lists_quotes_code_and_rules():
    html = (
        "<h2>1. Scope &amp; aims</h2><p>Read <strong>all</strong> of <em>it</em>.</p>"
        "<ol><li><p>First</p><p>more</p></li><li>Second<ul><li>nested</li></ul></li></ol>"
        "<blockquote><p>quoted</p></blockquote><pre><code>a  b\nc</code></pre><hr>"
        "<p>inline <code>x&lt;y</code></p>"
    )
    blocks = html_blocks(html)
    assert blocks[0] == Block("heading2", "1. Scope &amp; aims")
    assert blocks[1] == Block("paragraph", "Read <b>all</b> of <i>it</i>.")
    assert [(b.kind, b.markup, b.depth, b.bullet) for b in blocks[2:6]] == [
        ("item", "First", 0, "1."),
        ("item", "more", 0, ""),
        ("item", "Second", 0, "2."),
        ("item", "nested", 1, "•"),
    ]
    assert blocks[6] == Block("quote", "quoted")
    assert blocks[7].kind == "preformatted" and "<br/>" in blocks[7].markup
    assert blocks[8] == Block("rule")
    assert blocks[9].markup == 'inline <font face="CharteMono">x&lt;y</font>'


def test_unbalanced_inline_tags_lose_their_formatting_not_their_text():
    blocks = html_blocks("<p><strong>bold never closed</p><p>next</p>")
    assert blocks[0].markup == "bold never closed" and blocks[1].markup == "next"


def test_annex_text_is_in_the_pdf_after_the_receipt_page():
    document = ReceiptDocument(
        organisation_name="Org",
        heading="Receipt",
        rows=(("Signed by", "Ann"),),
        code_label="Code",
        code="ABCD",
        verify_url="https://charte.test/verify/ABCD",
        verify_hint="Check it.",
        footer="Footer",
        pdf_subject="Receipt",
        annex=ReceiptAnnex(
            heading="Annex: the text you signed",
            notes=("Version 1.",),
            warning="",
            html="<h2>Scope</h2>"
            + "".join(f"<p>Paragraph number {n} of the policy.</p>" for n in range(120)),
        ),
    )
    pdf = render_receipt(document)
    assert pdf == render_receipt(document)  # still deterministic
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) >= 3
    assert "Annex" not in pages[0].extract_text()
    rest = " ".join(p.extract_text() for p in pages[1:])
    assert "Annex: the text you signed" in rest and rest.count("of the policy.") == 120
    assert "Paragraph number 0 " in rest and "Paragraph number 119 " in rest
