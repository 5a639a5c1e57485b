"""The Ed25519 signing key of receipts, certificates and witness lines, and its published set.

One JSON file (a JWK set) holds the current private key and the public part of every retired
key, each with its key id (the RFC 7638 thumbprint). It is separate from SECRET_KEY and from the
evidence MAC keys: whoever can read it can sign receipts, nothing more, and the public keys let
anyone check a receipt without trusting this server. In development and tests the file is
created in the instance folder on first use; production refuses to start without one
(`python -m app.evidence.signing_keys create PATH`, or `flask signing-key rotate`).

Every process re-reads the file when its modification time changes, so a rotation made by
`flask signing-key rotate` reaches every gunicorn worker without a restart.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from joserfc import jws
from joserfc.jwk import KeySet, OKPKey

ALGORITHM = "Ed25519"  # the fully specified JWS name of EdDSA over Ed25519 (RFC 9864)
DEFAULT_FILE_NAME = "signing-keys.json"
_CACHE_KEY = "charte.signing_keys"


class SigningKeyError(RuntimeError):
    """The key file is missing, unreadable or holds no current private key."""


@dataclass(frozen=True)
class LoadedKeys:
    """The key file as read at one modification time."""

    mtime_ns: int
    current: OKPKey
    current_kid: str
    public_jwks: dict[str, Any]  # every key, public parts only, current first
    key_set: KeySet  # the same keys, ready to verify with


def key_file_path(app: Flask | None = None) -> Path:
    """The configured key file, else signing-keys.json in the instance folder."""
    app = app or current_app
    configured = app.config.get("CHARTE_SIGNING_KEY_FILE")
    return Path(configured) if configured else Path(app.instance_path) / DEFAULT_FILE_NAME


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _new_private_jwk() -> dict[str, Any]:
    key = OKPKey.generate_key("Ed25519")
    jwk = key.as_dict(private=True)
    jwk.update(kid=key.thumbprint(), alg=ALGORITHM, use="sig", created=_now())
    return jwk


def _public(jwk: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in jwk.items() if name != "d"}


def _write_atomically(path: Path, document: dict[str, Any], *, replace: bool) -> bool:
    """Write the key set through a temporary file; False if it exists and replace is off."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".signing-keys-", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(document, handle, indent=2)
            handle.write("\n")
        os.chmod(temporary, 0o600)
        if replace:
            os.replace(temporary, path)
            return True
        try:
            os.link(temporary, path)  # atomic "create if absent": two workers cannot both win
        except FileExistsError:
            return False
        return True
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def create_key_file(path: Path) -> str:
    """Write a new key set with one key; refuse to overwrite an existing file. Returns the kid."""
    jwk = _new_private_jwk()
    if not _write_atomically(path, {"keys": [jwk]}, replace=False):
        raise SigningKeyError(f"{path} already exists: use `flask signing-key rotate`")
    return str(jwk["kid"])


def rotate_key_file(path: Path) -> tuple[str, str | None]:
    """A new current key; the old one keeps only its public part. Returns (new kid, old kid)."""
    document = _read_document(path) if path.exists() else {"keys": []}
    old_kid = None
    keys = []
    for jwk in document["keys"]:
        if "d" in jwk:
            old_kid = jwk.get("kid")
            jwk = {**_public(jwk), "retired": _now()}
        keys.append(jwk)
    new = _new_private_jwk()
    _write_atomically(path, {"keys": [new, *keys]}, replace=True)
    return str(new["kid"]), old_kid


def _read_document(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SigningKeyError(f"signing key file {path} cannot be read: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise SigningKeyError(f"signing key file {path} is not a JWK set")
    return document


def _parse(path: Path, mtime_ns: int) -> LoadedKeys:
    document = _read_document(path)
    private = [jwk for jwk in document["keys"] if "d" in jwk]
    if len(private) != 1:
        raise SigningKeyError(f"signing key file {path} must hold exactly one private key")
    try:
        current = OKPKey.import_key(private[0])
        public = [OKPKey.import_key(_public(jwk)) for jwk in document["keys"]]
    except ValueError as exc:
        raise SigningKeyError(f"signing key file {path}: {exc}") from exc
    if current.curve_name != "Ed25519":
        raise SigningKeyError(f"signing key file {path}: the key must be an Ed25519 key")
    published = []
    for jwk, key in zip(document["keys"], public, strict=True):
        published.append(
            {
                **key.as_dict(private=False),
                "kid": key.thumbprint(),
                "alg": ALGORITHM,
                "use": "sig",
                **({"created": jwk["created"]} if "created" in jwk else {}),
                **({"retired": jwk["retired"]} if "retired" in jwk else {}),
            }
        )
    published.sort(key=lambda jwk: "retired" in jwk)
    jwks = {"keys": published}
    key_set = KeySet.import_key_set(jwks)  # type: ignore[arg-type]  # a TypedDict
    return LoadedKeys(mtime_ns, current, current.thumbprint(), jwks, key_set)


def load(app: Flask | None = None) -> LoadedKeys:
    """The key set, re-read when the file changed; created on first use outside production."""
    app = app or current_app
    path = key_file_path(app)
    try:
        mtime_ns = path.stat().st_mtime_ns
    except FileNotFoundError:
        if app.config.get("CHARTE_ENV") == "production":
            raise SigningKeyError(_missing_message(path)) from None
        _write_atomically(path, {"keys": [_new_private_jwk()]}, replace=False)
        mtime_ns = path.stat().st_mtime_ns
    cached: LoadedKeys | None = app.extensions.get(_CACHE_KEY)
    if cached is not None and cached.mtime_ns == mtime_ns and cached_path(app) == path:
        return cached
    loaded = _parse(path, mtime_ns)
    app.extensions[_CACHE_KEY] = loaded
    app.extensions[_CACHE_KEY + ".path"] = path
    return loaded


def cached_path(app: Flask) -> Path | None:
    """The file the cached key set was read from (the instance folder may change in tests)."""
    return app.extensions.get(_CACHE_KEY + ".path")


def _missing_message(path: Path) -> str:
    return (
        f"The signing key file {path} does not exist. Create it once with "
        f"`python -m app.evidence.signing_keys create {path}` and set CHARTE_SIGNING_KEY_FILE "
        "to its path on every host (keep a backup: receipts are signed with it)."
    )


def require_for_production(app: Flask) -> None:
    """Production: CHARTE_SIGNING_KEY_FILE names a readable key set (checked at start-up)."""
    if not app.config.get("CHARTE_SIGNING_KEY_FILE"):
        raise RuntimeError(
            "CHARTE_SIGNING_KEY_FILE must be set in production (CHARTE_ENV=production): "
            "the Ed25519 key that signs receipts, certificates and the audit witness."
        )
    path = key_file_path(app)
    if not path.exists():
        raise RuntimeError(_missing_message(path))
    _parse(path, path.stat().st_mtime_ns)


def sign(payload: bytes, app: Flask | None = None) -> str:
    """A compact JWS of the payload with the current key (header: alg, kid)."""
    keys = load(app)
    header = {"alg": ALGORITHM, "kid": keys.current_kid}
    return jws.serialize_compact(header, payload, keys.current, algorithms=[ALGORITHM])


def public_jwks() -> dict[str, Any]:
    """The published key set: every key ever used, public parts only, current first."""
    return load().public_jwks


def current_kid() -> str:
    """The key id of the key that signs now."""
    return load().current_kid


def verify(token: str) -> tuple[dict[str, Any], bytes]:
    """Check a compact JWS against the published keys: (header, payload); ValueError if bad."""
    try:
        member = jws.deserialize_compact(token, load().key_set, algorithms=[ALGORITHM])
    except Exception as exc:  # joserfc raises several error classes; all mean "not genuine"
        raise ValueError(f"signature does not verify: {exc}") from exc
    return dict(member.headers()), member.payload


def main(argv: list[str]) -> int:
    """`python -m app.evidence.signing_keys create PATH`: the first key, without the app."""
    if len(argv) != 2 or argv[0] != "create":
        print("usage: python -m app.evidence.signing_keys create PATH", file=sys.stderr)
        return 2
    try:
        kid = create_key_file(Path(argv[1]))
    except SigningKeyError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"created {argv[1]} (key id {kid}); set CHARTE_SIGNING_KEY_FILE to this path")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
