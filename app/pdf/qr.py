"""Build QR code matrices once and draw them on a reportlab canvas as a single filled path."""

from __future__ import annotations

from reportlab.pdfgen.canvas import FILL_NON_ZERO

from app.pdf.qrmatrix import qr_matrix

__all__ = ["QUIET_ZONE", "draw_qr", "draw_qr_matrix", "qr_matrix"]

# Four modules of white around the symbol is what ISO/IEC 18004 asks readers to expect.
QUIET_ZONE = 4


def _rects(matrix: list[list[bool]]) -> list[tuple[int, int, int, int]]:
    """Cover the dark modules with rectangles: horizontal runs, stacked when rows repeat them."""
    count = len(matrix)
    done: list[tuple[int, int, int, int]] = []
    open_runs: dict[tuple[int, int], int] = {}  # (start column, length) -> first row
    for r, row in enumerate(matrix + [[False] * count]):
        runs = set()
        start = None
        for col, dark in enumerate(row + [False]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                runs.add((start, col - start))
                start = None
        # A run identical to one in the row above extends that rectangle down,
        # which removes most rects from finder patterns and vertical bars.
        for run in list(open_runs):
            if run not in runs:
                first = open_runs.pop(run)
                done.append((run[0], first, run[1], r - first))
        for run in runs:
            open_runs.setdefault(run, r)
    return sorted(done, key=lambda rect: (rect[1], rect[0]))


def draw_qr_matrix(canvas, matrix: list[list[bool]], x: float, y: float, size: float) -> None:
    """Draw ``matrix`` and its quiet zone in the ``size`` square with lower-left corner (x, y)."""
    count = len(matrix)
    module = size / (count + 2 * QUIET_ZONE)
    path = canvas.beginPath()
    # Coordinates are in module units: the content stream holds small integers
    # and neighbouring rectangles share exact edges, so no hairline gaps appear.
    for col, row, width, height in _rects(matrix):
        path.rect(col + QUIET_ZONE, count + QUIET_ZONE - row - height, width, height)
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(module, module)
    canvas.setFillColorRGB(0, 0, 0)
    # One path object, one fill: far fewer operators than one rect per module.
    # Non-zero winding so that overlapping rectangles could never cancel out.
    canvas.drawPath(path, stroke=0, fill=1, fillMode=FILL_NON_ZERO)
    canvas.restoreState()


def draw_qr(canvas, data: str, x: float, y: float, size: float) -> None:
    """Encode ``data`` once; draw it, quiet zone included, in the ``size`` square at (x, y)."""
    draw_qr_matrix(canvas, qr_matrix(data), x, y, size)
