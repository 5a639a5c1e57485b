"""The asset register's files in MEDIA_DIR: streamed in, checked by content, served clean.

An upload is copied to MEDIA_DIR in chunks (never whole in memory), counted against the scans'
limit (ATTACHMENT_MAX_BYTES) and hashed on the way. Photos must be JPEG or PNG, proven by
decoding them as scans are; what anyone but communications and HR sees is a copy re-encoded by
Pillow without EXIF, GPS, XMP or comments, and a JPEG thumbnail made from that copy. Videos must
start like an MP4/QuickTime or WebM file; they are never re-encoded here, so only communications
and HR may open one (tagged people see its clean thumbnail).
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import current_app
from flask_babel import gettext as _
from PIL import Image

from app.evidence import attachments, scan_content
from app.evidence.scan_content import JPEG, PNG, AttachmentError

CHUNK = 64 * 1024
THUMB_SIDE = 480
MP4 = "video/mp4"
QUICKTIME = "video/quicktime"
WEBM = "video/webm"
PHOTO_EXTENSIONS = {"jpg": JPEG, "jpeg": JPEG, "png": PNG}
VIDEO_EXTENSIONS = {"mp4": MP4, "m4v": MP4, "mov": QUICKTIME, "webm": WEBM}
SUFFIX = {JPEG: "jpg", PNG: "png", MP4: "mp4", QUICKTIME: "mov", WEBM: "webm"}

__all__ = ["AttachmentError", "StoredFile", "media_dir", "receive", "path_of"]


def media_dir() -> Path:
    """MEDIA_DIR, or the "media" folder of the instance folder (created on first use)."""
    configured = current_app.config.get("MEDIA_DIR") or ""
    folder = Path(configured) if configured else Path(current_app.instance_path) / "media"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def path_of(name: str) -> Path:
    """The file of a stored name (names are the app's own: hex and a suffix, no folders)."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise FileNotFoundError(name)
    return media_dir() / name


@dataclass(frozen=True)
class StoredFile:
    """What was written to MEDIA_DIR for one upload."""

    original_name: str
    content_type: str
    size: int
    sha256: str
    served_name: str | None  # photos: the clean copy
    thumb_name: str | None


def _new_name(suffix: str) -> str:
    return f"{secrets.token_hex(16)}.{suffix}"


def _too_large() -> AttachmentError:
    return AttachmentError(
        _(
            "The file is too large (at most %(mb)s MB).",
            mb=round(attachments.max_bytes() / 1048576, 1),
        )
    )


def _video_type(head: bytes) -> str | None:
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return QUICKTIME if head[8:10] == b"qt" else MP4
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM
    return None


def _claimed(filename: str, medium: str) -> str | None:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    table = PHOTO_EXTENSIONS if medium == "photo" else VIDEO_EXTENSIONS
    return table.get(extension)


def _copy(stream: IO[bytes], target: Path) -> tuple[int, str, bytes]:
    """Copy in chunks; (size, sha256, first bytes). Refuses past the limit without reading on."""
    limit = attachments.max_bytes()
    digest = hashlib.sha256()
    size = 0
    head = b""
    with target.open("xb") as out:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise _too_large()
            if len(head) < 64:
                head += chunk[: 64 - len(head)]
            digest.update(chunk)
            out.write(chunk)
    return size, digest.hexdigest(), head


def _write(data: bytes, suffix: str) -> str:
    name = _new_name(suffix)
    (media_dir() / name).write_bytes(data)
    return name


def clean_copy(data: bytes, content_type: str) -> bytes:
    """The photo decoded and encoded again without any metadata (AttachmentError if unreadable)."""
    return scan_content.reencode_image(data, "PNG" if content_type == PNG else "JPEG")


def thumbnail(clean: bytes) -> bytes:
    """A JPEG thumbnail of an already clean image (no metadata is carried over)."""
    with Image.open(io.BytesIO(clean)) as image:
        image.thumbnail((THUMB_SIDE, THUMB_SIDE))
        small = image.convert("RGB")
    small.info = {}
    out = io.BytesIO()
    small.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def receive(stream: IO[bytes], filename: str, medium: str) -> StoredFile:
    """Store an upload streamed from `stream` and its clean copies; AttachmentError on refusal.

    Nothing stays in MEDIA_DIR when the file is refused.
    """
    claimed = _claimed(filename, medium)
    if claimed is None:
        if medium == "photo":
            raise AttachmentError(_("Only JPEG or PNG photos are accepted."))
        raise AttachmentError(_("Only MP4, MOV or WebM videos are accepted."))
    original = media_dir() / _new_name(SUFFIX[claimed])
    written: list[Path] = [original]
    try:
        size, sha256, head = _copy(stream, original)
        if size == 0:
            raise AttachmentError(_("The file is empty."))
        actual = attachments.detect(head) if medium == "photo" else _video_type(head)
        same_kind = actual == claimed or {actual, claimed} <= {MP4, QUICKTIME}
        if actual is None or not same_kind:
            raise AttachmentError(
                _(
                    "The file's content does not match its name: it is not a %(kind)s.",
                    kind=filename.rsplit(".", 1)[-1].lower(),
                )
            )
        served = thumb = None
        if medium == "photo":
            clean = clean_copy(original.read_bytes(), claimed)  # within the scans' size limit
            served = _write(clean, SUFFIX[claimed])
            written.append(media_dir() / served)
            thumb = _write(thumbnail(clean), "jpg")
            written.append(media_dir() / thumb)
        return StoredFile(original.name, actual, size, sha256, served, thumb)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def receive_thumbnail(stream: IO[bytes], filename: str) -> str:
    """A thumbnail given for an external asset or a video: checked, cleaned, stored; its name."""
    data = stream.read(attachments.max_bytes() + 1)
    if len(data) > attachments.max_bytes():
        raise _too_large()
    claimed = _claimed(filename, "photo")
    actual = attachments.detect(data)
    if claimed is None or actual is None or actual != claimed:
        raise AttachmentError(_("The thumbnail must be a JPEG or PNG image."))
    return _write(thumbnail(clean_copy(data, actual)), "jpg")


def read_chunks(name: str) -> Iterator[bytes]:
    """A stored file in chunks (for streamed responses, read after the request context ends:
    the path is resolved now)."""
    path = path_of(name)

    def chunks() -> Iterator[bytes]:
        with path.open("rb") as source:
            while chunk := source.read(CHUNK):
                yield chunk

    return chunks()


def size_of(name: str) -> int:
    """The stored file's size in bytes."""
    return os.path.getsize(path_of(name))
