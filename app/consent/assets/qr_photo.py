"""Read a photo code from a phone picture (the scan page's <input type=file capture>).

No JavaScript: the phone's camera takes a picture, the form uploads it, and the server reads it.
Pillow decodes the upload first (size-capped, pixel-capped, JPEG or PNG only) and re-encodes it
as a small grey PNG; only that clean PNG reaches `zbarimg` (zbar-tools, the QR reader the test
suite already installs, see scripts/system-deps.sh), run without a shell and with a timeout.
Without zbarimg the page asks for the code to be typed instead.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import IO

from flask import current_app
from PIL import Image, UnidentifiedImageError

MAX_SIDE = 1600  # plenty for a code that fills part of a phone picture
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding


def available() -> bool:
    """True when the server can read codes from pictures (zbarimg is installed)."""
    return shutil.which("zbarimg") is not None


def read_code(stream: IO[bytes]) -> str | None:
    """The text of the first QR code in the picture, or None (unreadable, too large, none)."""
    limit = int(current_app.config["ATTACHMENT_MAX_BYTES"])
    data = stream.read(limit + 1)
    program = shutil.which("zbarimg")
    if not data or len(data) > limit or program is None:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in {"JPEG", "PNG"}:
                return None
            if image.width * image.height > MAX_PIXELS:
                return None
            grey = image.convert("L")
            grey.thumbnail((MAX_SIDE, MAX_SIDE))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "code.png"
        grey.save(path, "PNG")
        try:
            result = subprocess.run(  # noqa: S603 - fixed program, our own file, no shell
                [program, "--raw", "-q", "-Sdisable", "-Sqrcode.enable", str(path)],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    return lines[0] if lines else None
