"""Attach a file to a reportlab PDF (an embedded file in the document's name tree).

reportlab has no public API for embedded files, so this builds the three PDF objects of
ISO 32000-1 §7.11.4 (stream, file specification, EmbeddedFiles name tree) with its own PDF object
classes. Post-processing the bytes with pypdf would do the same at several times the cost of the
whole certificate (the speed target in README), and would not keep the output byte-identical.
"""

from __future__ import annotations

from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream, PDFString
from reportlab.pdfgen.canvas import Canvas

__all__ = ["embed_file"]


def embed_file(canvas: Canvas, name: str, data: bytes, description: str) -> None:
    """Attach `data` as a JSON file called `name` (shown in the viewer's attachments panel)."""
    document = canvas._doc
    stream = PDFStream(
        PDFDictionary(
            {
                "Type": PDFName("EmbeddedFile"),
                "Subtype": PDFName("application#2Fjson"),
                "Params": PDFDictionary({"Size": len(data)}),
            }
        ),
        content=data,
    )
    filespec = PDFDictionary(
        {
            "Type": PDFName("Filespec"),
            "F": PDFString(name),
            "UF": PDFString(name),
            "Desc": PDFString(description),
            "AFRelationship": PDFName("Data"),
            "EF": PDFDictionary({"F": document.Reference(stream)}),
        }
    )
    reference = document.Reference(filespec)
    names = PDFDictionary({"Names": PDFArray([PDFString(name), reference])})
    document.Catalog.Names = PDFDictionary({"EmbeddedFiles": names})
