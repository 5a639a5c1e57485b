"""Check that upload validation works in an installation: hostile scans refused, real ones cleaned.

Builds every sample with runtime dependencies only (Pillow, pypdf, reportlab) and runs it through
`app.evidence.attachments.check`, so it proves a production-style install (`pip install .`, no
extras) validates uploads:

    python3 -m venv /tmp/prodvenv && /tmp/prodvenv/bin/pip install .
    cd /tmp && /tmp/prodvenv/bin/python /path/to/charte/scripts/check_uploads.py

Prints one line per sample and where `app` was imported from; exits 1 when any sample is
accepted or refused unexpectedly. `--block-test-extras` makes importing a test-only package
(pytest, hypothesis...) fail, which is how tests/evidence/test_upload_install.py runs it.
tests/evidence/test_scan_uploads.py uses the same samples.
"""

from __future__ import annotations

import hashlib
import io
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

TEST_EXTRAS = (
    "pytest", "pytest_flask", "xdist", "playwright", "axe_playwright_python", "hypothesis",
    "aiosmtpd", "jsonschema", "schemathesis", "ruff", "bandit", "importlinter", "mypy",
)  # fmt: skip


class _BlockTestExtras:
    """A meta path finder that refuses the test-only packages of pyproject's `test` extra."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in TEST_EXTRAS:
            raise ImportError(f"{name} is a test extra: the app must not need it")
        return None


# --- images ---------------------------------------------------------------------------------


def phone_jpeg(width: int = 64, height: int = 48) -> bytes:
    """A photo as a phone saves it: EXIF with GPS position, maker and serial, orientation 6
    (rotated), a comment, an ICC profile and XMP."""
    from PIL import Image

    image = Image.new("RGB", (width, height), (200, 30, 30))
    for x in range(width // 2):
        for y in range(height):
            image.putpixel((x, y), (20, 40, 220))
    exif = image.getexif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x010F] = "PhoneMaker"
    exif[0xA431] = "SERIAL-123456"
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}  # GPS
    out = io.BytesIO()
    image.save(
        out,
        "JPEG",
        exif=exif,
        comment=b"home address in a comment",
        icc_profile=b"ICC-PROFILE" * 20,
        xmp=b"<x:xmpmeta>GPSLatitude 48.85</x:xmpmeta>",
        quality=95,
    )
    return out.getvalue()


def png_with_text() -> bytes:
    """A PNG with text, XMP and EXIF chunks."""
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Alice Martin")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPSLatitude 48.85</x:xmpmeta>")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 10)).save(out, "PNG", pnginfo=info, exif=exif)
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def pixel_bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A tiny file declaring a huge 1-bit image (900 million pixels by default)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (1 + width // 8) * 64, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", rows)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims another size (a decompression bomb)."""
    data = bytearray(phone_jpeg(16, 16))
    marker = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, marker + 5, height, width)
    return bytes(data)


def png_header_on_garbage() -> bytes:
    header = struct.pack(">IIBBBBB", 100, 100, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + bytes(range(256)) * 20


# --- PDFs -----------------------------------------------------------------------------------


def plain_pdf(text: str = "Signed paper form") -> bytes:
    """A one-page PDF as reportlab writes it."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def hand_pdf(*bodies: bytes) -> bytes:
    """A PDF written by hand: object 1 is the catalog; the cross-reference table is exact."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(bodies) + 1,
        xref,
    )
    return bytes(out)


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"


def pdf_with_hidden_launch() -> bytes:
    """A link that starts a program, its names escaped (/L#61unch) so no byte search finds it."""
    return hand_pdf(
        CATALOG,
        PAGES,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [4 0 R] >>",
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 99 99] /A << /S /L#61unch /F (calc) >> >>",
    )


def pdf_with_escaped_javascript() -> bytes:
    """A script run on opening, written /J#61vaScript and /J#53 to hide from byte searches."""
    return hand_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        PAGES,
        PAGE,
        b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>",
    )


def pdf_opening_on_a_page() -> bytes:
    """An opening destination ([page /Fit]): harmless, accepted."""
    return hand_pdf(b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>", PAGES, PAGE)


def pdf_printing_on_open() -> bytes:
    return hand_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /Named /N /Print >> >>", PAGES, PAGE
    )


def pdf_with_user_unit() -> bytes:
    """A letter-size page scaled 100 times by /UserUnit."""
    return hand_pdf(
        CATALOG, PAGES, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /UserUnit 100 >>"
    )


def pdf_with_objects(count: int) -> bytes:
    """One page and `count` - 3 extra objects."""
    return hand_pdf(CATALOG, PAGES, PAGE, *([b"<< /N 1 >>"] * (count - 3)))


def pdf_without_pages() -> bytes:
    return hand_pdf(CATALOG, b"<< /Type /Pages /Kids [] /Count 0 >>")


def _writer_pdf(build: Callable) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_javascript() -> bytes:
    """Document-level JavaScript (the /Names /JavaScript tree), spelt plainly."""
    return hand_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 4 0 R >> >>",
        PAGES,
        PAGE,
        b"<< /Names [(hello) << /S /JavaScript /JS (app.alert\\(1\\)) >>] >>",
    )


def pdf_with_attachment() -> bytes:
    def build(writer):
        writer.add_blank_page(612, 792)
        writer.add_attachment("payload.exe", b"MZ not really a program")

    return _writer_pdf(build)


def encrypted_pdf() -> bytes:
    def build(writer):
        writer.add_blank_page(612, 792)
        writer.encrypt(user_password="secret", owner_password="owner")  # noqa: S106 - a sample

    return _writer_pdf(build)


def pdf_with_pages(count: int, width: float = 612, height: float = 792) -> bytes:
    def build(writer):
        for _ in range(count):
            writer.add_blank_page(width, height)

    return _writer_pdf(build)


def zip_archive(comment: bytes = b"") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("invoice.html", "<script>alert(1)</script>")
        archive.comment = comment
    return out.getvalue()


# --- the cases ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A sample, the name it is uploaded under, and what must happen: `refused` is a piece of
    the message expected; None means accepted, and `stored_ok` then checks the stored bytes."""

    name: str
    build: Callable[[], bytes]
    filename: str
    refused: str | None
    stored_ok: Callable[[bytes, bytes], bool] | None = None


def _no_metadata(received: bytes, stored: bytes) -> bool:
    from PIL import Image

    leaks = (b"Exif", b"SERIAL-123456", b"PhoneMaker", b"home address", b"ICC-PROFILE",
             b"GPSLatitude", b"Alice Martin", b"eXIf", b"iTXt", b"tEXt")  # fmt: skip
    image = Image.open(io.BytesIO(stored))
    image.load()
    return not any(leak in stored for leak in leaks) and not dict(image.getexif())


def _same_bytes(received: bytes, stored: bytes) -> bool:
    return received == stored


def _no_pdf_inside(received: bytes, stored: bytes) -> bool:
    return b"%PDF" not in stored and b"%%EOF" not in stored


UNREADABLE_PDF = "not a readable PDF"
ACTIVE = "scripts, automatic actions or attached files"
CASES = [
    Case("real PDF", plain_pdf, "form.pdf", None, _same_bytes),
    Case("PDF opening on a page", pdf_opening_on_a_page, "form.pdf", None, _same_bytes),
    Case("phone JPEG with GPS", phone_jpeg, "photo.jpg", None, _no_metadata),
    Case("PNG with text chunks", png_with_text, "scan.png", None, _no_metadata),
    Case(
        "JPEG with a PDF appended",
        lambda: phone_jpeg() + plain_pdf(),
        "photo.jpg",
        None,
        _no_pdf_inside,
    ),  # fmt: skip
    Case(
        "JPEG with a PDF appended, named .pdf",
        lambda: phone_jpeg() + plain_pdf(),
        "form.pdf",
        "does not match its name",
    ),  # fmt: skip
    Case(
        "%PDF-…%%EOF around junk",
        lambda: b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n",
        "form.pdf",
        UNREADABLE_PDF,
    ),  # fmt: skip
    Case("PDF magic only", lambda: b"%PDF-1.4 truncated", "form.pdf", UNREADABLE_PDF),
    Case(
        "PDF with data after its end",
        lambda: plain_pdf() + b"<html>hi</html>" * 10,
        "form.pdf",
        UNREADABLE_PDF,
    ),  # fmt: skip
    Case(
        "PDF with a ZIP appended",
        lambda: plain_pdf() + zip_archive(b"%%EOF"),
        "form.pdf",
        "ZIP archive",
    ),  # fmt: skip
    Case(
        "JPEG with a ZIP appended", lambda: phone_jpeg() + zip_archive(), "photo.jpg", "ZIP archive"
    ),  # fmt: skip
    Case("PNG header on garbage", png_header_on_garbage, "scan.png", "not a readable PNG"),
    Case(
        "JPEG magic and end marker only",
        lambda: b"\xff\xd8\xff\xe0rest\xff\xd9",
        "scan.jpg",
        "not a readable JPEG",
    ),  # fmt: skip
    Case(
        "truncated JPEG", lambda: phone_jpeg(400, 300)[:1500], "scan.jpg", "not a readable JPEG"
    ),  # fmt: skip
    Case("ZIP renamed .pdf", zip_archive, "form.pdf", "Only PDF, PNG or JPEG"),
    Case("ZIP renamed .jpg", zip_archive, "form.jpg", "Only PDF, PNG or JPEG"),
    Case(
        "HTML renamed .png",
        lambda: b"<html><script>alert(1)</script></html>",
        "scan.png",
        "Only PDF, PNG or JPEG",
    ),  # fmt: skip
    Case("PNG pixel bomb (900 MP)", pixel_bomb_png, "scan.png", "too large"),
    Case(
        "PNG bomb past Pillow's own limit",
        lambda: pixel_bomb_png(100_000, 100_000),
        "scan.png",
        "too large",
    ),  # fmt: skip
    Case(
        "JPEG declaring 65000 x 65000",
        lambda: jpeg_declaring(65_000, 65_000),
        "scan.jpg",
        "too large",
    ),  # fmt: skip
    Case("JPEG 30000 pixels wide", lambda: jpeg_declaring(30_000, 10), "scan.jpg", "too large"),
    Case("PDF with JavaScript", pdf_with_javascript, "form.pdf", ACTIVE),
    Case(
        "PDF with escaped JavaScript on opening", pdf_with_escaped_javascript, "form.pdf", ACTIVE
    ),  # fmt: skip
    Case("PDF with a hidden Launch action", pdf_with_hidden_launch, "form.pdf", ACTIVE),
    Case("PDF printing on opening", pdf_printing_on_open, "form.pdf", ACTIVE),
    Case("PDF with an attached file", pdf_with_attachment, "form.pdf", ACTIVE),
    Case("encrypted PDF", encrypted_pdf, "form.pdf", "Password-protected"),
    Case("PDF of 101 pages", lambda: pdf_with_pages(101), "form.pdf", "too many pages"),
    Case(
        "PDF page of 20000 points",
        lambda: pdf_with_pages(1, 20_000, 792),
        "form.pdf",
        "larger than",
    ),  # fmt: skip
    Case("PDF page scaled by UserUnit", pdf_with_user_unit, "form.pdf", "larger than"),
    Case("PDF of 20001 objects", lambda: pdf_with_objects(20_001), "form.pdf", "too complex"),
    Case("PDF without pages", pdf_without_pages, "form.pdf", "no page"),
]


def run_case(case: Case) -> str | None:
    """None when the case behaves as expected, else what went wrong (inside an app context)."""
    from app.evidence import attachments

    received = case.build()
    try:
        upload = attachments.check(received, case.filename)
    except attachments.AttachmentError as exc:
        if case.refused is None:
            return f"refused: {exc}"
        if case.refused not in str(exc):
            return f"refused with another message: {exc}"
        return None
    if case.refused is not None:
        return "accepted"
    if upload.sha256 != hashlib.sha256(upload.data).hexdigest():
        return "stored hash is not the hash of the stored bytes"
    if case.stored_ok is not None and not case.stored_ok(received, upload.data):
        return "stored bytes fail the check"
    return None


def main() -> int:
    if "--block-test-extras" in sys.argv:
        sys.meta_path.insert(0, _BlockTestExtras())
    import app as package
    from app import create_app

    application = create_app(
        config={"SQLALCHEMY_DATABASE_URI": "sqlite://", "CHARTE_DEFAULT_LOCALE": "en"}, env="test"
    )
    print(f"app imported from {package.__file__}")
    failures = 0
    with application.test_request_context():
        for case in CASES:
            problem = run_case(case)
            failures += problem is not None
            print(f"{'FAIL' if problem else 'ok  '} {case.name}{': ' + problem if problem else ''}")
    loaded = sorted(name for name in TEST_EXTRAS if name in sys.modules)
    if loaded:
        print(f"FAIL test extras were imported: {', '.join(loaded)}")
        failures += 1
    print(f"{len(CASES) - failures} of {len(CASES)} as expected")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
