"""Evidence MAC keys, separate from SECRET_KEY: a key ring with ids, rotation and the legacy key.

Every sealed row and every audit entry stores the id of the key that sealed it, so a rotated key
keeps verifying the rows it sealed while new rows use the new one. The keys come from
`EVIDENCE_KEYS` (a mapping, or JSON in the environment: key id -> secret, the current one named
by `EVIDENCE_KEY_ID`, else the last) or from a key file (`EVIDENCE_KEY_FILE`, by default
`instance/evidence-keys.json`), generated on first start in development and tests and required
in production. Rows sealed before keys existed carry no key id (NULL): they were keyed from
SECRET_KEY, which is still accepted for them ("legacy"), never for a row written after the first
row sealed with a real key (the verifiers enforce that order).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
import os
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app

LEGACY = None  # the key id stored on rows keyed from SECRET_KEY (before evidence keys existed)
LEGACY_LABEL = "legacy-secret-key"
CONFIG_KEY = "CHARTE_EVIDENCE_KEYRING"
KEY_FILE_NAME = "evidence-keys.json"


class EvidenceKeyError(RuntimeError):
    """The evidence keys are missing or unreadable; the message says what to do."""


REFRESH_SECONDS = 1.0


@dataclass
class Keyring:
    """The evidence keys of one app: id -> secret, and the id new seals use."""

    keys: dict[str, str]
    current: str
    path: Path | None = None  # the key file, when the keys come from one
    mtime: float = 0.0
    _derived: dict[tuple[str, str | None], bytes] = field(default_factory=dict)

    checked_at: float = -REFRESH_SECONDS  # time.monotonic() of the last look at the file

    def refresh(self, force: bool = False) -> None:
        """Reload the key file when `flask keys rotate` changed it (running workers follow).

        The file is looked at once a second at most: sealing runs once per evidence row, and a
        bulk write of thousands of rows should not stat the file for each (a rotation reaches
        running workers within a second; an unknown key id forces a look)."""
        if self.path is None:
            return
        now = time.monotonic()
        if not force and now - self.checked_at < REFRESH_SECONDS:
            return
        self.checked_at = now
        try:
            mtime = self.path.stat().st_mtime
        except OSError:
            return
        if mtime != self.mtime:
            keys, current = _read_file(self.path)
            self.keys, self.current, self.mtime = keys, current, mtime
            self._derived.clear()


def _read_file(path: Path) -> tuple[dict[str, str], str]:
    try:
        data = json.loads(path.read_text())
        keys = {str(k): str(v) for k, v in data["keys"].items()}
        current = str(data["current"])
    except (OSError, ValueError, KeyError, AttributeError, TypeError) as exc:
        raise EvidenceKeyError(f"The evidence key file {path} is unreadable: {exc}") from exc
    if current not in keys or not all(len(v) >= 32 for v in keys.values()):
        raise EvidenceKeyError(
            f"The evidence key file {path} must name a current key among its keys, "
            "each at least 32 characters long."
        )
    return keys, current


def _write_file(path: Path, keys: dict[str, str], current: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    # Created 0600 from the start: the secrets are never readable by others, not even briefly.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(json.dumps({"current": current, "keys": keys}, indent=2) + "\n")
    os.replace(temporary, path)


def create_key_file(path: Path) -> str:
    """Write a key file with one new key, never over an existing one; returns its key id.

    Written aside, then hard-linked into place: the link fails if the file exists, so two
    workers starting at once cannot each seal with a key of their own under the same id.
    """
    first = new_key_id({})
    aside = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    _write_file(aside, {first: secrets.token_hex(32)}, first)
    try:
        os.link(aside, path)
    except FileExistsError:
        raise EvidenceKeyError(
            f"{path} already exists: use `flask keys rotate` to add a key"
        ) from None
    finally:
        aside.unlink(missing_ok=True)
    return first


def new_key_id(existing: dict[str, str]) -> str:
    """A fresh key id ("k1", "k2", ...), never one already in the ring."""
    number = len(existing) + 1
    while f"k{number}" in existing:
        number += 1
    return f"k{number}"


def init_app(app: Flask, env: str) -> None:
    """Load the key ring into the app's config, or refuse to start in production without one."""
    configured = app.config.get("EVIDENCE_KEYS")
    if isinstance(configured, str) and configured.strip():
        try:
            configured = json.loads(configured)
        except ValueError as exc:
            raise EvidenceKeyError('EVIDENCE_KEYS must be JSON: {"key id": "secret", ...}') from exc
    if configured:
        keys = {str(k): str(v) for k, v in dict(configured).items()}
        current = str(app.config.get("EVIDENCE_KEY_ID") or list(keys)[-1])
        if current not in keys or not all(len(v) >= 32 for v in keys.values()):
            raise EvidenceKeyError(
                "EVIDENCE_KEYS must hold secrets of at least 32 characters and EVIDENCE_KEY_ID "
                "must name one of them."
            )
        app.config[CONFIG_KEY] = Keyring(keys, current)
        return
    path = Path(app.config.get("EVIDENCE_KEY_FILE") or Path(app.instance_path) / KEY_FILE_NAME)
    if not path.exists():
        if env == "production":
            raise EvidenceKeyError(
                f"No evidence keys: set EVIDENCE_KEYS, or create the key file {path} with "
                "`python -m app.core.keys create PATH` in a trusted shell and set "
                "EVIDENCE_KEY_FILE=PATH, before starting in production. Evidence keys are "
                "separate from SECRET_KEY and must be backed up apart from the database."
            )
        with contextlib.suppress(EvidenceKeyError):
            create_key_file(path)  # another worker may have created it first: read theirs
    keys, current = _read_file(path)
    app.config[CONFIG_KEY] = Keyring(keys, current, path, path.stat().st_mtime)


def keyring(app: Flask | None = None) -> Keyring:
    """The app's key ring."""
    return (app or current_app).config[CONFIG_KEY]


def current_key_id() -> str:
    """The id of the key new seals use."""
    ring = keyring()
    ring.refresh()
    return ring.current


def key_for(purpose: str, key_id: str | None) -> bytes:
    """The MAC key for one purpose under one key id (None: the legacy key from SECRET_KEY).

    Purpose-specific keys are derived by HMAC, so one leaked derived key reveals nothing else.
    Raises EvidenceKeyError for an unknown key id (a row naming a key nobody holds).
    """
    ring = keyring()
    cached = ring._derived.get((purpose, key_id))
    if cached is not None:
        return cached
    if key_id is LEGACY:
        # The SECRET_KEY the earlier release used; set apart when SECRET_KEY itself is replaced
        # (e.g. refused as too weak at upgrade), or every row written before would fail.
        legacy = current_app.config.get("EVIDENCE_LEGACY_SECRET_KEY")
        secret = (legacy or current_app.config["SECRET_KEY"]).encode()
    else:
        if key_id not in ring.keys:
            ring.refresh(force=True)
        if key_id not in ring.keys:
            raise EvidenceKeyError(f"unknown evidence key id {key_id!r}")
        secret = ring.keys[key_id].encode()
    derived = hmac.new(secret, f"charte:{purpose}".encode(), hashlib.sha256).digest()
    ring._derived[(purpose, key_id)] = derived
    return derived


def mac(purpose: str, key_id: str | None, payload: str) -> str:
    """HMAC-SHA256 of a canonical payload under the purpose's key of that key id."""
    return hmac_sha256(key_for(purpose, key_id))(payload.encode())


@functools.lru_cache(maxsize=64)
def hmac_sha256(key: bytes) -> Callable[[bytes], str]:
    """HMAC-SHA256 under one key, in hex: the text of hmac.new(key, message, sha256).hexdigest().

    The key's two padded blocks are hashed once, and each message continues copies of those
    states (RFC 2104, as hmac.py's own fallback computes it). OpenSSL's HMAC sets itself up again
    at every call: about 9 µs, against under 4 µs here, paid by every seal and chain link, which
    the demo generator makes by the million. A test holds both equal."""
    if len(key) > _BLOCK:  # longer keys are hashed first (RFC 2104); derived keys are 32 bytes
        key = hashlib.sha256(key).digest()
    block = key.ljust(_BLOCK, b"\0")
    inner = hashlib.sha256(block.translate(hmac.trans_36))
    outer = hashlib.sha256(block.translate(hmac.trans_5C))

    def hex_mac(message: bytes) -> str:
        inside = inner.copy()
        inside.update(message)
        result = outer.copy()
        result.update(inside.digest())
        return result.hexdigest()

    return hex_mac


_BLOCK = hashlib.sha256().block_size


def rotate(app: Flask) -> tuple[str, str]:
    """Add a new key to the key file and make it current; returns (old id, new id).

    Old keys stay in the file: the rows they sealed still verify with them.
    """
    ring = keyring(app)
    if ring.path is None:
        raise EvidenceKeyError(
            "The evidence keys come from EVIDENCE_KEYS: add a new key id and secret there, "
            "set EVIDENCE_KEY_ID to it and restart (keep the old keys)."
        )
    ring.refresh(force=True)
    old = ring.current
    keys = dict(ring.keys)
    new = new_key_id(keys)
    keys[new] = secrets.token_hex(32)
    _write_file(ring.path, keys, new)
    ring.mtime = -1.0
    ring.refresh(force=True)
    return old, new


def label(key_id: Any) -> str:
    """A key id as shown in reports (the legacy key has no stored id)."""
    return LEGACY_LABEL if key_id is None else str(key_id)


def main(argv: list[str]) -> int:
    """`python -m app.core.keys create PATH`: the first evidence key file, without the app
    (production refuses to start without one, so the app cannot create it)."""
    if len(argv) != 2 or argv[0] != "create":
        print("usage: python -m app.core.keys create PATH", file=sys.stderr)
        return 2
    try:
        key_id = create_key_file(Path(argv[1]))
    except EvidenceKeyError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"created {argv[1]} (key id {key_id}); set EVIDENCE_KEY_FILE to this path")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
