"""What a scan of a paper form really contains: images fully decoded and re-encoded without their
metadata, PDFs parsed within a budget and refused when they carry anything but pages.

The first bytes only say what a file claims to be; a JPEG with a PDF appended, a PNG header on
garbage or `%PDF-…%%EOF` around junk pass such a look. Decoding every pixel (Pillow) and parsing
every PDF object (pypdf, both runtime dependencies) is what proves the content. Images are
stored as re-encoded here, so nothing appended to them and none of their metadata (EXIF with
GPS position, camera serial, comments, XMP) is ever stored or handed back out.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

from flask_babel import format_number
from flask_babel import gettext as _
from PIL import Image, ImageOps

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"

# An A4 page scanned at 600 dpi is 4,960 x 7,016 = 35 million pixels.
MAX_IMAGE_PIXELS = 50_000_000
MAX_IMAGE_SIDE = 20_000
MAX_PDF_PAGES = 100
MAX_PDF_OBJECTS = 20_000
# 14,400 points (200 inches, about 5 m) is the largest page the PDF format defines.
MAX_PDF_PAGE_POINTS = 14_400
MAX_PDF_NESTING = 64

# Keys and action types that run code, act on their own or carry other files.
FORBIDDEN_PDF_KEYS = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/AA",  # additional actions: triggered by opening, closing, hovering...
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/EF",
        "/RichMedia",
        "/XFA",
    }
)
FORBIDDEN_PDF_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
        "/GoToR",
        "/RichMediaExecute",
        "/Rendition",
        "/Movie",
        "/Sound",
    }
)
# The same names spelt out in the raw bytes: also catches objects the cross-reference table
# does not list (a viewer that repairs the file may still find them).
FORBIDDEN_RAW = (b"/JavaScript", b"/Launch", b"/EmbeddedFile", b"/RichMedia")


class AttachmentError(ValueError):
    """The file was refused; the message says why."""


def clean(data: bytes, content_type: str) -> bytes:
    """The bytes to store for a file whose first bytes claim `content_type`, or AttachmentError:
    an image re-encoded without metadata, a PDF unchanged once every check passed."""
    if content_type == PDF:
        check_pdf(data)
        return data
    return reencode_image(data, "PNG" if content_type == PNG else "JPEG")


def _too_many_pixels() -> AttachmentError:
    return AttachmentError(
        _(
            "The image is too large: at most %(megapixels)s million pixels and %(side)s pixels "
            "on a side.",
            megapixels=MAX_IMAGE_PIXELS // 1_000_000,
            side=format_number(MAX_IMAGE_SIDE),
        )
    )


def reencode_image(data: bytes, image_format: str) -> bytes:
    """Decode every pixel of a PNG or JPEG within the size limits and encode it again, upright,
    without EXIF, XMP, ICC profile, comments or anything appended after the image."""
    unreadable = AttachmentError(_("The file is not a readable %(kind)s image.", kind=image_format))
    with warnings.catch_warnings():
        # Pillow warns past its own pixel limit and raises past twice that: both are refusals.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[image_format]) as image:
                width, height = image.size  # read from the header, before any decoding
                if width * height > MAX_IMAGE_PIXELS or max(width, height) > MAX_IMAGE_SIDE:
                    raise _too_many_pixels()
                image.load()  # every pixel: a truncated or corrupt image fails here
                upright = ImageOps.exif_transpose(image)
                dpi = image.info.get("dpi")
                transparency = image.info.get("transparency")
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_many_pixels() from exc
        except AttachmentError:
            raise
        except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds on hostile input
            raise unreadable from exc
    if upright is None:  # older Pillow returns None when transposing in place
        raise unreadable
    return _encode(upright, image_format, dpi=dpi, transparency=transparency)


def _encode(image: Image.Image, image_format: str, *, dpi: Any, transparency: Any) -> bytes:
    image.info = {}  # nothing of the original's metadata may follow (Pillow copies some)
    options: dict[str, Any] = {}
    if dpi:
        options["dpi"] = dpi
    if image_format == "JPEG":
        if image.mode not in ("L", "RGB", "CMYK"):
            image = image.convert("RGB")
            image.info = {}
        options.update(quality=90, optimize=True)
    else:
        if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
            image = image.convert("RGBA")
            image.info = {}
        if transparency is not None and image.mode in ("1", "L", "P", "RGB"):
            options["transparency"] = transparency
    out = io.BytesIO()
    image.save(out, image_format, **options)
    return out.getvalue()


def check_pdf(data: bytes) -> None:
    """Parse the PDF within a budget; refuse it when encrypted, too big, or carrying scripts,
    automatic actions or embedded files."""
    # pypdf is imported here, not at start-up: it takes a quarter of a second to import and only
    # this page needs it. It is a runtime dependency (pyproject.toml), never optional.
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    unreadable = AttachmentError(_("The file is not a readable PDF document."))
    tail = data[-1024:].rstrip(b"\x00\t\n\f\r ")
    if not data.startswith(b"%PDF-") or not tail.endswith(b"%%EOF"):
        raise unreadable
    if any(name in data for name in FORBIDDEN_RAW):
        raise _active_content()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise AttachmentError(
                _("Password-protected PDFs are not accepted: save an unprotected copy.")
            )
        objects = [(number, generation) for generation, table in reader.xref.items()
                   for number in table] + [(number, 0) for number in reader.xref_objStm]  # fmt: skip
        if len(objects) > MAX_PDF_OBJECTS:
            raise AttachmentError(
                _(
                    "The PDF is too complex (more than %(count)s objects).",
                    count=format_number(MAX_PDF_OBJECTS),
                )
            )
        _check_pages(reader)
        for number, generation in objects:
            _check_object(reader.get_object(_reference(reader, number, generation)), 0)
        _check_object(reader.trailer["/Root"].get_object(), 0)
    except AttachmentError:
        raise
    except FileNotDecryptedError as exc:
        raise AttachmentError(
            _("Password-protected PDFs are not accepted: save an unprotected copy.")
        ) from exc
    except (PdfReadError, Exception) as exc:  # noqa: BLE001 - pypdf raises many kinds on hostile input
        raise unreadable from exc


def _reference(reader: Any, number: int, generation: int) -> Any:
    from pypdf.generic import IndirectObject

    return IndirectObject(number, generation, reader)


def _check_pages(reader: Any) -> None:
    declared = _resolved(reader.trailer["/Root"]["/Pages"].get("/Count"))
    if not isinstance(declared, int) or declared > MAX_PDF_PAGES:
        raise _too_many_pages()
    pages = reader.pages
    if len(pages) == 0:
        raise AttachmentError(_("The PDF has no page."))
    if len(pages) > MAX_PDF_PAGES:
        raise _too_many_pages()
    for page in pages:
        unit = float(_resolved(page.get("/UserUnit", 1)))
        box = page.mediabox
        if max(float(box.width), float(box.height)) * unit > MAX_PDF_PAGE_POINTS or unit <= 0:
            raise AttachmentError(
                _("The PDF has a page larger than %(metres)s metres.", metres="5")
            )


def _too_many_pages() -> AttachmentError:
    return AttachmentError(
        _("The PDF has too many pages (at most %(count)s).", count=MAX_PDF_PAGES)
    )


def _active_content() -> AttachmentError:
    return AttachmentError(
        _(
            "PDFs with scripts, automatic actions or attached files are not accepted: print the "
            "form to PDF or scan it again."
        )
    )


def _resolved(value: Any) -> Any:
    """An object's value, following an indirect reference (hostile files hide names so)."""
    return value.get_object() if hasattr(value, "get_object") else value


def _check_object(value: Any, depth: int) -> None:
    """Walk one object's direct content (indirect references are walked on their own)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    if isinstance(value, IndirectObject):
        return
    if depth > MAX_PDF_NESTING:
        raise AttachmentError(_("The file is not a readable PDF document."))
    if isinstance(value, DictionaryObject):
        if FORBIDDEN_PDF_KEYS.intersection(value.keys()):
            raise _active_content()
        if _resolved(value.get("/S")) in FORBIDDEN_PDF_ACTIONS:
            raise _active_content()
        # Opening on a page ([page /Fit]) is harmless; any other action run on opening (print,
        # open a link...) is refused.
        opening = _resolved(value.get("/OpenAction"))
        if isinstance(opening, DictionaryObject) and _resolved(opening.get("/S")) != "/GoTo":
            raise _active_content()
        for child in value.values():
            _check_object(child, depth + 1)
    elif isinstance(value, ArrayObject):
        for child in value:
            _check_object(child, depth + 1)
