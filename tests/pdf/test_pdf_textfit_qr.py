"""Unit checks of text fitting and QR matrices, independent of any external tool."""

from __future__ import annotations

import io
import itertools
import random
import shutil
import subprocess

import pytest
from reportlab.graphics.barcode import qrencoder
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from app.pdf.certificate import TEXT_WIDTH, fit_text
from app.pdf.fonts import FONT_DIR, MONO, SANS, SERIF, SERIF_BOLD, register_fonts
from app.pdf.qr import QUIET_ZONE, _rects, draw_qr_matrix, qr_matrix
from app.pdf.qrmatrix import FastQRCode, _codewords, _penalty
from app.pdf.textfit import wrap_text

NAME_80 = "Maximilian-Alexander Łukasz Ñúñez de la Fuente-Oberhäußer von Wittgenstein-Ortega"
TITLE_90 = (
    "Sensibilisation approfondie aux risques des réseaux sociaux pour les collaborateurs "
    "et managers"
)


def _assert_fits(lines, size, font, max_width, min_size, max_lines):
    assert 1 <= len(lines) <= max_lines
    assert size >= min_size
    for line in lines:
        assert stringWidth(line, font, size) <= max_width


def test_fonts_register_once_and_ship_with_licence():
    register_fonts()
    register_fonts()  # idempotent
    assert stringWidth("Ñ", SANS, 10) > 0
    assert (FONT_DIR / "LICENSE").read_text(encoding="utf-8").count("Bitstream") > 3


def test_short_text_keeps_max_size():
    assert fit_text("Ada Lovelace", SERIF_BOLD, TEXT_WIDTH, 40, 24) == (["Ada Lovelace"], 40)


def test_medium_text_shrinks_on_one_line():
    register_fonts()
    text = "Marie-Thérèse de la Tour d'Auvergne-Lauraguais"
    lines, size = fit_text(text, SERIF_BOLD, TEXT_WIDTH, 40, 24)
    assert lines == [text] and 24 <= size < 40
    _assert_fits(lines, size, SERIF_BOLD, TEXT_WIDTH, 24, 1)


def test_80_character_name_wraps_on_two_lines_within_width():
    register_fonts()
    assert len(NAME_80) >= 80
    lines, size = fit_text(NAME_80, SERIF_BOLD, TEXT_WIDTH, 40, 24)
    assert len(lines) == 2
    _assert_fits(lines, size, SERIF_BOLD, TEXT_WIDTH, 24, 2)
    assert " ".join(lines) == NAME_80


def test_80_plus_character_title_fits():
    register_fonts()
    assert len(TITLE_90) > 80
    lines, size = fit_text(TITLE_90, SERIF, TEXT_WIDTH, 24, 14)
    _assert_fits(lines, size, SERIF, TEXT_WIDTH, 14, 2)
    assert " ".join(lines) == TITLE_90


def test_absurdly_long_text_is_cut_not_overflowing():
    register_fonts()
    text = " ".join([NAME_80] * 5)
    lines, size = fit_text(text, SERIF_BOLD, TEXT_WIDTH, 40, 24)
    _assert_fits(lines, size, SERIF_BOLD, TEXT_WIDTH, 24, 2)
    assert size == 24 and lines[-1].endswith("…")


def test_unbreakable_word_is_cut_between_characters():
    register_fonts()
    word = "W" * 150
    lines, size = fit_text(word, SERIF_BOLD, 300, 20, 10, max_lines=3)
    _assert_fits(lines, size, SERIF_BOLD, 300, 10, 3)
    wrapped = wrap_text("https://example.org/" + "a" * 200, MONO, 8, 150)
    assert "".join(wrapped) == "https://example.org/" + "a" * 200
    assert all(stringWidth(line, MONO, 8) <= 150 for line in wrapped)


def test_whitespace_and_empty_text():
    assert fit_text("  Ada \n  Lovelace ", SANS, 500, 12, 8) == (["Ada Lovelace"], 12)
    assert fit_text("   ", SANS, 500, 12, 8) == ([], 12)


@pytest.mark.parametrize(
    ("payload", "modules"),
    [
        ("HELLO WORLD", 21),  # alphanumeric, version 1-M
        ("https://charte.example.org/verify/K7QM-4XPD-9WHT-C2RZ-8NVB", 33),  # 58 bytes, version 4-M
        ("x" * 100, 41),  # 100 bytes, version 6-M
        ("y" * 200, 57),  # 200 bytes, version 10-M (carries version information)
    ],
)
def test_qr_matrix_size_and_finder_patterns(payload, modules):
    matrix = qr_matrix(payload)
    assert len(matrix) == modules and all(len(row) == modules for row in matrix)
    finder = [
        [r in (0, 6) or c in (0, 6) or (2 <= r <= 4 and 2 <= c <= 4) for c in range(7)]
        for r in range(7)
    ]
    assert [row[:7] for row in matrix[:7]] == finder
    assert [row[-7:] for row in matrix[:7]] == finder
    assert [row[:7] for row in matrix[-7:]] == finder


@pytest.mark.parametrize("length", [5, 58, 150, 400])  # versions 1, 4, 8 (version info), 14
def test_every_mask_candidate_matches_reportlab(length):
    payload = ("https://charte.example.org/verify/" * 20)[:length]
    fast = FastQRCode(None, qrencoder.QRErrorCorrectLevel.M)
    fast.addData(payload)
    candidates = fast.candidates()
    count = fast.moduleCount
    for pattern in range(8):
        reference = qrencoder.QRCode(fast.version, qrencoder.QRErrorCorrectLevel.M)
        reference.addData(payload)
        reference.makeImpl(False, pattern)
        expected = [
            int("".join("1" if cell else "0" for cell in row), 2) for row in reference.modules
        ]
        assert candidates[pattern][:count] == expected, pattern
        assert count == reference.moduleCount


def _reference_penalty(matrix: list[list[bool]]) -> int:
    """ISO/IEC 18004 mask penalty, module by module: slow and obvious."""
    count = len(matrix)
    lines = [list(row) for row in matrix] + [list(col) for col in zip(*matrix, strict=True)]
    score = 0
    for line in lines:
        for _, group in itertools.groupby(line):
            run = len(list(group))
            score += run - 2 if run >= 5 else 0
        text = "".join("1" if cell else "0" for cell in line)
        for start in range(len(text) - 10):
            score += 40 if text[start : start + 11] in ("10111010000", "00001011101") else 0
    for r in range(count - 1):
        for c in range(count - 1):
            if matrix[r][c] == matrix[r][c + 1] == matrix[r + 1][c] == matrix[r + 1][c + 1]:
                score += 3
    dark = sum(map(sum, matrix))
    return score + 10 * (abs(dark * 100 // (count * count) - 50) // 5)


def _as_lines(matrix: list[list[bool]]) -> list[int]:
    rows = ["".join("1" if cell else "0" for cell in row) for row in matrix]
    return [int(line, 2) for line in rows + ["".join(c) for c in zip(*rows, strict=True)]]


def test_bitwise_penalty_matches_the_module_by_module_rules():
    rng = random.Random(7)
    for count in (21, 25, 33, 57):
        for density in (0.1, 0.5, 0.9):
            matrix = [[rng.random() < density for _ in range(count)] for _ in range(count)]
            assert _penalty(_as_lines(matrix), count) == _reference_penalty(matrix)
    code = FastQRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData("https://charte.example.org/verify/K7QM-4XPD-9WHT-C2RZ-8NVB")
    for lines in code.candidates().values():
        rows = lines[: code.moduleCount]
        matrix = [[bool(row >> (32 - c) & 1) for c in range(33)] for row in rows]
        assert _penalty(lines, 33) == _reference_penalty(matrix)


@pytest.mark.parametrize("length", [1, 17, 58, 100, 200, 400, 1000, 1200])
def test_fast_codewords_match_reportlab(length):
    payload = ("https://charte.example.org/verify/" * 70)[:length]
    for level in (qrencoder.QRErrorCorrectLevel.M, qrencoder.QRErrorCorrectLevel.H):
        code = qrencoder.QRCode(None, level)
        code.addData(payload)
        version = code.calculate_version()
        expected = qrencoder.QRCode.createData(version, level, code.dataList)
        assert _codewords(version, level, code.dataList) == expected


def test_rects_cover_exactly_the_dark_modules():
    matrix = qr_matrix("https://charte.example.org/verify/ABCD")
    painted = [[False] * len(matrix) for _ in matrix]
    for col, row, width, height in _rects(matrix):
        for r in range(row, row + height):
            for c in range(col, col + width):
                assert not painted[r][c]
                painted[r][c] = True
    assert painted == matrix


def test_qr_is_one_path_with_quiet_zone():
    matrix = qr_matrix("HELLO WORLD")
    canvas = Canvas(io.BytesIO())
    draw_qr_matrix(canvas, matrix, 10, 20, 29)  # 21 modules + 2 * 4 quiet = 29 -> 1 pt modules
    ops = canvas._code
    assert ops[0] == "q" and ops[-1] == "Q" and "1 0 0 1 10 20 cm" in ops
    assert [op for op in ops if op in ("f", "f*", "B", "B*", "b", "b*", "S")] == ["f"]
    paths = [op for op in ops if op.endswith(" re")]
    assert len(paths) == 1 and paths[0].count(" re") == len(_rects(matrix))
    numbers = [
        [int(v) for v in chunk.split()]
        for chunk in paths[0].lstrip("n ").split(" re")
        if chunk.strip()
    ]
    assert min(x for x, _, _, _ in numbers) == QUIET_ZONE
    assert min(y for _, y, _, _ in numbers) == QUIET_ZONE
    assert max(x + w for x, _, w, _ in numbers) == QUIET_ZONE + 21
    assert max(y + h for _, y, _, h in numbers) == QUIET_ZONE + 21


@pytest.mark.parametrize(
    "payload", ["HELLO WORLD", "https://charte.example.org/verify/Q", "é" * 120]
)
def test_qr_matrix_decodes(payload, tmp_path):
    """Paint the matrix into a PNG and read it back with zbarimg."""
    from PIL import Image

    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        pytest.fail("zbarimg is not installed: scripts/system-deps.sh installs it")
    matrix = qr_matrix(payload)
    scale, count = 6, len(matrix) + 2 * QUIET_ZONE
    image = Image.new("L", (count, count), 255)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                image.putpixel((c + QUIET_ZONE, r + QUIET_ZONE), 0)
    path = tmp_path / "qr.png"
    image.resize((count * scale, count * scale), Image.NEAREST).save(path)
    result = subprocess.run(
        [zbarimg, "--raw", "-q", path], check=True, capture_output=True, text=True
    )
    assert result.stdout.strip() == payload


def test_non_ascii_payloads_never_overflow_their_version():
    # Reportlab's own ECI segment counts 0 bits; at these lengths that chose a
    # version one byte too small and encoding failed.
    for length in (7, 13, 21, 31, 42, 53, 61, 76, 90, 181):
        assert len(qr_matrix("é" * length)) >= 21


def test_certificate_qr_symbol_is_at_least_3_cm():
    from reportlab.lib.units import cm

    from app.pdf.certificate import QR_SIZE

    # The smallest symbol (version 1, 21 modules) plus its quiet zone fills QR_SIZE.
    smallest_symbol = QR_SIZE * 21 / (21 + 2 * QUIET_ZONE)
    assert smallest_symbol >= 3 * cm
