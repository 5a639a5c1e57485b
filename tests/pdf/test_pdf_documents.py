"""End-to-end checks of the certificate and receipt PDFs: content, metadata, fonts, QR, validity."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4, landscape

from app.pdf.certificate import CertificateDocument, CertificateLabels, render_certificate
from app.pdf.receipt import ReceiptDocument, render_receipt

HOLDER = "Élodie N'Guessan-Müller"
TITLE = "Sécurité de l'information — module 3"
CODE = "K7QM-4XPD-9WHT-C2RZ-8NVB"
URL = f"https://charte.example.org/verify/{CODE}"
HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91"
)

LABELS = CertificateLabels(
    heading="Attestation de réussite",
    awarded_to="Nous certifions que",
    for_completing="a suivi avec succès",
    date="Date",
    score="Score",
    code="Code de vérification",
    verify_hint="Scannez le code ou rendez-vous à l'adresse ci-dessous pour vérifier.",
    pdf_subject="Attestation Charte",
)
CERTIFICATE = CertificateDocument(
    organisation_name="Association Ñandú & Łódź Straße",
    holder_name=HOLDER,
    title=TITLE,
    issued_on_text="22 novembre 2026",
    score_text="92 %",
    code=CODE,
    verify_url=URL,
    content_version="c0ffee12",
    labels=LABELS,
    language="fr",
)
RECEIPT = ReceiptDocument(
    organisation_name="Association Ñandú & Łódź Straße",
    heading="Reçu — prise de connaissance de la charte",
    rows=(
        ("Signataire", HOLDER),
        ("Document", "Charte réseaux sociaux, version 3"),
        ("Empreinte SHA-256", HASH),
        ("Navigateur", USER_AGENT),
        ("Adresse IP", "2001:db8::1 & <script>"),
        ("Signé le", "22 novembre 2026, 14:03:11 UTC"),
    ),
    code_label="Code de vérification",
    code=CODE,
    verify_url=URL,
    verify_hint="Scannez le code pour vérifier ce reçu.",
    footer="Généré par Charte. Ce reçu reflète l'enregistrement conservé sur le serveur.",
    pdf_subject="Reçu Charte",
    language="fr",
)


def _tool(name: str) -> str:
    """Path of a poppler/qpdf/zbar tool; skip (only) when the tool is not installed."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: scripts/system-deps.sh installs it")
    return path


def _decode_qr(pdf: bytes, tmp_path: Path) -> str:
    """Rasterise page 1 at 150 dpi and return what zbarimg reads from it."""
    source = tmp_path / "doc.pdf"
    source.write_bytes(pdf)
    prefix = tmp_path / "page"
    pdftoppm = _tool("pdftoppm")
    subprocess.run(
        [pdftoppm, "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile", source, prefix],
        check=True,
    )
    result = subprocess.run(
        [_tool("zbarimg"), "--raw", "-q", f"{prefix}.png"],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def _qpdf_check(pdf: bytes, tmp_path: Path) -> None:
    """qpdf --check exits 0 only for a file with neither errors nor warnings."""
    path = tmp_path / "check.pdf"
    path.write_bytes(pdf)
    result = subprocess.run([_tool("qpdf"), "--check", path], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _text(pdf: bytes) -> str:
    """All text of the document, pages joined."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _squeeze(text: str) -> str:
    """Text without any whitespace, to compare values that wrapped across lines."""
    return re.sub(r"\s+", "", text)


def _assert_fonts_embedded(pdf: bytes) -> None:
    """Every font used on every page carries an embedded TrueType program (/FontFile2)."""
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"]["/Font"]
        assert fonts
        for name, ref in fonts.items():
            font = ref.get_object()
            descriptor = font["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, f"{name} {font.get('/BaseFont')} is not embedded"


def test_certificate_content_size_and_metadata():
    pdf = render_certificate(CERTIFICATE)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    width, height = landscape(A4)
    assert float(box.width) == pytest.approx(width, abs=0.01)
    assert float(box.height) == pytest.approx(height, abs=0.01)
    text = reader.pages[0].extract_text()
    for expected in (
        HOLDER,
        TITLE,
        CODE,
        URL,
        "22 novembre 2026",
        "92 %",
        LABELS.heading,
        "c0ffee12",
    ):
        assert expected in text
    meta = reader.metadata
    assert HOLDER in meta.title and TITLE in meta.title
    assert meta.author == CERTIFICATE.organisation_name
    assert meta.subject == LABELS.pdf_subject
    assert meta.creator == "Charte"
    assert reader.trailer["/Root"]["/Lang"] == "fr"


def test_certificate_without_score_and_unicode_names():
    doc = replace(
        CERTIFICATE, score_text=None, holder_name="E\u0301milie D’Artagnan-Łukasiewicz Ñúñez Straß"
    )
    text = _text(render_certificate(doc))
    # NFD input comes out composed; typographic apostrophes and ß survive.
    assert "Émilie D’Artagnan-Łukasiewicz Ñúñez Straß" in text
    assert LABELS.score not in text


def test_certificate_is_deterministic():
    assert render_certificate(CERTIFICATE) == render_certificate(CERTIFICATE)
    assert render_certificate(CERTIFICATE) != render_certificate(replace(CERTIFICATE, code="X"))


def test_certificate_fonts_embedded():
    _assert_fonts_embedded(render_certificate(CERTIFICATE))


def test_certificate_long_texts_stay_on_page(tmp_path):
    name = "Maximilian-Alexander Łukasz Ñúñez de la Fuente-Oberhäußer von Wittgenstein-Ortega"
    title = (
        "Sensibilisation approfondie aux risques des réseaux sociaux pour les collaborateurs "
        "et les managers de proximité"
    )
    assert len(name) >= 80 and len(title) >= 80
    doc = replace(CERTIFICATE, holder_name=name, title=title, organisation_name="Ø" * 120)
    pdf = render_certificate(doc)
    assert _squeeze(name) in _squeeze(_text(pdf))
    # Every word poppler finds must lie inside the frame drawn 28 pt from the edges.
    path = tmp_path / "long.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        [_tool("pdftotext"), "-bbox", path, "-"], check=True, capture_output=True, text=True
    )
    boxes = re.findall(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', result.stdout
    )
    assert len(boxes) > 20
    width, height = landscape(A4)
    for x_min, y_min, x_max, y_max in boxes:
        assert float(x_min) > 28 and float(x_max) < width - 28
        assert float(y_min) > 28 and float(y_max) < height - 28


def test_certificate_logo_is_drawn_and_deterministic(tmp_path):
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (300, 90), (20, 80, 160)).save(logo)
    doc = replace(CERTIFICATE, logo_path=str(logo))
    pdf = render_certificate(doc)
    assert pdf == render_certificate(doc)
    xobjects = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/XObject"]
    assert any(ref.get_object()["/Subtype"] == "/Image" for ref in xobjects.values())


def test_certificate_qr_decodes_to_verify_url(tmp_path):
    assert _decode_qr(render_certificate(CERTIFICATE), tmp_path) == URL


def test_certificate_qpdf_check(tmp_path):
    _qpdf_check(render_certificate(CERTIFICATE), tmp_path)


def test_receipt_contains_every_row():
    pdf = render_receipt(RECEIPT)
    text = _text(pdf)
    squeezed = _squeeze(text)
    for label, value in RECEIPT.rows:
        assert _squeeze(label) in squeezed
        assert _squeeze(value) in squeezed
    assert HASH in squeezed
    for expected in (RECEIPT.heading, RECEIPT.organisation_name, CODE):
        assert expected in text
    assert _squeeze(URL) in squeezed and _squeeze(RECEIPT.footer) in squeezed
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert meta.title == RECEIPT.heading
    assert meta.author == RECEIPT.organisation_name
    assert meta.subject == RECEIPT.pdf_subject
    assert meta.creator == "Charte"


def test_receipt_is_deterministic_and_embeds_fonts():
    pdf = render_receipt(RECEIPT)
    assert pdf == render_receipt(RECEIPT)
    _assert_fonts_embedded(pdf)


def test_receipt_runs_over_several_pages_without_losing_text(tmp_path):
    rows = tuple((f"Champ {index}", f"{USER_AGENT} #{index}") for index in range(60))
    # One unbroken token far wider than the column and long enough to cross a
    # page boundary, where the footer's text interrupts it in extraction order.
    long_value = "Ж" * 3000
    doc = replace(RECEIPT, rows=(*rows, ("Hash", HASH), ("Long", long_value)))
    pdf = render_receipt(doc)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) > 1
    squeezed = _squeeze(_text(pdf))
    for label, value in doc.rows[:-1]:
        assert _squeeze(label) in squeezed and _squeeze(value) in squeezed
    assert squeezed.count("Ж") == 3000
    _assert_fonts_embedded(pdf)
    _qpdf_check(pdf, tmp_path)


def test_control_characters_are_dropped():
    receipt = render_receipt(replace(RECEIPT, rows=(("Na\x00me", "Ada\x07 Love\x1blace"),)))
    assert "Name" in _text(receipt) and "Ada Lovelace" in _text(receipt)
    certificate = render_certificate(replace(CERTIFICATE, holder_name="Ada\x00 Lovelace\x07"))
    assert "\x00" not in _text(certificate) and "Ada Lovelace" in _text(certificate)


def test_receipt_qr_decodes_to_verify_url(tmp_path):
    assert _decode_qr(render_receipt(RECEIPT), tmp_path) == URL


def test_receipt_qpdf_check(tmp_path):
    _qpdf_check(render_receipt(RECEIPT), tmp_path)
