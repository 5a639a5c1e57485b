"""Encode a string as a QR matrix with reportlab's encoder, its slow steps replaced by faster ones."""

from __future__ import annotations

import functools

from reportlab.graphics.barcode import qrencoder

_EXP = qrencoder.EXP_TABLE
_LOG = qrencoder.LOG_TABLE
_FINDER_LIKE = ("10111010000", "00001011101")


def _pack(lines: list[int], count: int) -> int:
    """Concatenate lines of ``count`` bits into one int, a 0 bit between neighbours."""
    packed = 0
    for line in lines:
        packed = (packed << (count + 1)) | line
    return packed


@functools.cache
def _module_bits(count: int) -> int:
    """The packed bits that are modules (not separators) for 2 * count lines."""
    return _pack([(1 << count) - 1] * (2 * count), count)


def _run_penalty(bits: int) -> int:
    """N1 for every run of five or more set bits: 3 for five, +1 per extra bit."""
    starts = bits & bits >> 1 & bits >> 2 & bits >> 3 & bits >> 4  # a 5-run starts here
    # Each run of length L has L - 4 starts and one first start: L - 2 points.
    return starts.bit_count() + 2 * (starts & ~(starts << 1)).bit_count()


def _pattern_count(pattern: str, dark: int, light: int) -> int:
    """Occurrences of ``pattern`` (first character = most significant bit) in the packed lines."""
    found = -1
    last = len(pattern) - 1
    for i, char in enumerate(pattern):
        # A separator bit is neither dark nor light, so no match spans two lines.
        found &= (dark if char == "1" else light) >> (last - i)
    return found.bit_count()


def _penalty(lines: list[int], count: int) -> int:
    """ISO/IEC 18004 mask penalty of a matrix given as ``count`` rows then ``count`` columns."""
    # All rows and columns packed into one big int: rules 1 and 3 become a
    # dozen whole-matrix bit operations instead of a scan of every module.
    dark = _pack(lines, count)
    light = ~dark & _module_bits(count)
    score = _run_penalty(dark) + _run_penalty(light)
    score += 40 * sum(_pattern_count(pattern, dark, light) for pattern in _FINDER_LIKE)
    rows = lines[:count]
    inner = (1 << (count - 1)) - 1
    for upper, lower in zip(rows, rows[1:], strict=False):
        same_vertically = ~(upper ^ lower)
        # A 2x2 block is one colour when both columns agree vertically and the
        # upper row agrees with its right neighbour.
        blocks = same_vertically & (same_vertically >> 1) & ~(upper ^ (upper >> 1)) & inner
        score += 3 * blocks.bit_count()
    dark_modules = sum(row.bit_count() for row in rows)
    return score + 10 * (abs(dark_modules * 100 // (count * count) - 50) // 5)


@functools.cache
def _generator(degree: int) -> tuple[int, ...]:
    """Reed-Solomon generator polynomial (x + a^0)...(x + a^(degree-1)), highest power first."""
    poly = [1]
    for i in range(degree):
        shifted = poly + [0]
        for j, coefficient in enumerate(poly):
            if coefficient:
                shifted[j + 1] ^= _EXP[(_LOG[coefficient] + i) % 255]
        poly = shifted
    return tuple(poly)


def _error_correction(data: list[int], degree: int) -> list[int]:
    """Remainder of data(x) * x^degree divided by the generator: the block's EC codewords."""
    # reportlab rebuilds the generator with polynomial objects for every block;
    # a cached generator and this shift-register division are much cheaper.
    generator = [_LOG[c] if c else None for c in _generator(degree)[1:]]
    remainder = [0] * degree
    for byte in data:
        factor = byte ^ remainder.pop(0)
        remainder.append(0)
        if factor:
            log_factor = _LOG[factor]
            for k, log_g in enumerate(generator):
                if log_g is not None:
                    remainder[k] ^= _EXP[(log_g + log_factor) % 255]
    return remainder


def _codewords(version: int, level: int, segments: list) -> list[int]:
    """Data plus EC codewords, interleaved: reportlab's createData with a faster RS step."""
    blocks = qrencoder.QRRSBlock.getRSBlocks(version, level)
    buffer = qrencoder.QRBitBuffer()
    for segment in segments:
        segment.write(buffer, version)
    capacity = sum(block.dataCount for block in blocks) * 8
    if buffer.getLengthInBits() > capacity:
        raise ValueError(f"QR data too long: {buffer.getLengthInBits()} > {capacity} bits")
    if buffer.getLengthInBits() + 4 <= capacity:
        buffer.put(0, 4)  # terminator
    while buffer.getLengthInBits() % 8:
        buffer.putBit(False)
    pads = (0xEC, 0x11)
    data = list(buffer.buffer)
    data += [pads[i % 2] for i in range(capacity // 8 - len(data))]
    data_blocks, ec_blocks, offset = [], [], 0
    for block in blocks:
        chunk = data[offset : offset + block.dataCount]
        offset += block.dataCount
        data_blocks.append(chunk)
        ec_blocks.append(_error_correction(chunk, block.totalCount - block.dataCount))
    interleaved = []
    for group in (data_blocks, ec_blocks):
        for i in range(max(len(b) for b in group)):
            interleaved += [b[i] for b in group if i < len(b)]
    return interleaved


def _lines(modules: list[list[bool | None]]) -> tuple[int, ...]:
    """Rows then columns as ints, first module as the most significant bit; None is light."""
    rows = ["".join("1" if cell else "0" for cell in row) for row in modules]
    cols = ["".join(col) for col in zip(*rows, strict=True)]
    return tuple(int(line, 2) for line in rows + cols)


def _scratch(version: int, level: int) -> qrencoder.QRCode:
    """An empty reportlab code of the given version, for its layout methods."""
    code = qrencoder.QRCode(version, level)
    code.moduleCount = version * 4 + 17
    code.modules = [[None] * code.moduleCount for _ in range(code.moduleCount)]
    return code


@functools.cache
def _positions(version: int) -> tuple[tuple[int, int], ...]:
    """(col, row) of each data module in placement order, once per process and version."""
    return tuple(_scratch(version, 0)._dataPosIterator())


@functools.cache
def _mask_lines(version: int, pattern: int) -> tuple[int, ...]:
    """The data modules that mask ``pattern`` flips, as rows then columns."""
    code = _scratch(version, 0)
    mask = qrencoder.QRUtil.getMask(pattern)
    for col, row in _positions(version):
        code.modules[row][col] = bool(mask(row, col))
    return _lines(code.modules)


@functools.cache
def _format_lines(version: int, level: int, pattern: int) -> tuple[tuple[int, ...], ...]:
    """The format-information modules and, among them, the dark ones for ``pattern``."""
    code = _scratch(version, level)
    code.setupTypeInfo(False, pattern)
    area = [[cell is not None for cell in row] for row in code.modules]
    return _lines(area), _lines(code.modules)


class FastQRCode(qrencoder.QRCode):
    """reportlab's QRCode with faster RS coding and mask search; the symbols are the same."""

    def candidates(self) -> dict[int, list[int]]:
        """The complete matrix, rows then columns as ints, for each of the eight masks."""
        if self.version is None:
            self.version = self.calculate_version()
        self.dataCache = _codewords(self.version, self.errorCorrectLevel, self.dataList)
        count = self.moduleCount = self.version * 4 + 17
        # The same layout calls as reportlab's makeImpl, without data and format.
        self.modules = [[False] * count for _ in range(count)]
        self.setupPositionProbePattern(0, 0)
        self.setupPositionProbePattern(count - 7, 0)
        self.setupPositionProbePattern(0, count - 7)
        self.setupPositionAdjustPattern()
        self.setupTimingPattern()
        if self.version >= 7:
            self.setupTypeNumber(False)
        fixed = _lines(self.modules)
        # Data bits are scattered once, unmasked, into rows and columns; each
        # mask is then a few operations per line instead of re-placing modules.
        data = [0] * (2 * count)
        top = count - 1
        bits = self.dataBitIterator(self.dataCache)
        for (col, row), dark in zip(_positions(self.version), bits, strict=False):
            if dark:
                data[row] |= 1 << (top - col)
                data[count + col] |= 1 << (top - row)
        result = {}
        for pattern in range(8):
            area, dark = _format_lines(self.version, self.errorCorrectLevel, pattern)
            masks = _mask_lines(self.version, pattern)
            result[pattern] = [
                ((f | (d ^ m)) & ~a) | k
                for f, d, m, a, k in zip(fixed, data, masks, area, dark, strict=True)
            ]
        return result

    def make(self):
        """Keep the mask with the lowest ISO penalty (format bits included, as the standard says)."""
        candidates = self.candidates()
        count = self.moduleCount
        best = min(candidates, key=lambda pattern: _penalty(candidates[pattern], count))
        shifts = range(count - 1, -1, -1)
        rows = candidates[best][:count]
        self.modules = [[bool(row >> shift & 1) for shift in shifts] for row in rows]
        self.maskPattern = best


class _Utf8Eci(qrencoder.QRECI):
    """ECI designator 26 (UTF-8), sized correctly for reportlab's version calculation."""

    def __init__(self) -> None:
        """Designate UTF-8."""
        super().__init__(26)

    @property
    def bitlength(self) -> int:
        """The designator is one byte; reportlab's base class would count zero bits."""
        return 8


def qr_matrix(data: str) -> list[list[bool]]:
    """Return the QR modules of ``data`` at level M, no quiet zone; True = dark, row 0 on top."""
    code = FastQRCode(None, qrencoder.QRErrorCorrectLevel.M)
    if not data.isascii():
        # reportlab writes UTF-8 bytes; without ECI readers assume ISO-8859-1
        # or guess (zbar reads "é" as CJK), so say UTF-8 explicitly.
        code.addData(_Utf8Eci())
    code.addData(data)
    code.make()
    return [[bool(cell) for cell in row] for row in code.modules]
