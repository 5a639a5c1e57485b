#!/usr/bin/env python3
"""Check a Charte receipt or certificate offline, with nothing but the organisation's public keys.

    python verify_receipt.py RECEIPT.json --keys charte-keys.json
    python verify_receipt.py CERTIFICATE.pdf --keys charte-keys.json   (needs pypdf, or extract
        the attached JSON first: `pdfdetach -saveall CERTIFICATE.pdf`)
    python verify_receipt.py --fingerprints charte-keys.json

charte-keys.json is the key set published at https://<charte host>/.well-known/charte-keys.json.
Compare its fingerprints (the key ids, RFC 7638 SHA-256 thumbprints) with the ones the
organisation gives you through another channel.

This file is deliberately standalone: it needs Python 3.9+ and the `cryptography` package, and
imports nothing from Charte, so you need not trust (or install) the server's code to check what it
signed. A signed document is JSON with a `signature.jws` member: a compact JWS (RFC 7515, alg
Ed25519 or EdDSA) whose payload is the JSON of the document without `signature`.

Exit status: 0 genuine, 1 not genuine (the reason is printed), 2 bad usage or unreadable input.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ALGORITHMS = ("Ed25519", "EdDSA")


class NotGenuine(Exception):
    """The document's signature or content does not check out."""


def b64url_decode(text: str) -> bytes:
    """Base64url without padding, as JOSE uses it."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def thumbprint(jwk: dict) -> str:
    """RFC 7638 thumbprint of an OKP key: the key id Charte publishes."""
    canonical = json.dumps(
        {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, separators=(",", ":"), sort_keys=True
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def load_keys(path: str) -> dict[str, Ed25519PublicKey]:
    """Key id -> public key, from a JWK set (or a single JWK); ids are recomputed, not trusted."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    jwks = data["keys"] if isinstance(data, dict) and "keys" in data else [data]
    keys = {}
    for jwk in jwks:
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "x" not in jwk:
            continue
        kid = thumbprint(jwk)
        if jwk.get("kid") not in (None, kid):
            raise SystemExit(f"key {jwk.get('kid')!r} does not match its thumbprint {kid}")
        keys[kid] = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
    if not keys:
        raise SystemExit(f"{path} holds no Ed25519 public key")
    return keys


def read_document(path: str) -> dict:
    """The signed JSON: the file itself, or the JSON attached to a Charte PDF."""
    with open(path, "rb") as handle:
        raw = handle.read()
    if raw.startswith(b"%PDF"):
        try:
            import pypdf
        except ImportError:
            raise SystemExit(
                "reading a PDF needs pypdf (pip install pypdf); or extract the attached JSON "
                "with `pdfdetach -saveall FILE.pdf` and check that file"
            ) from None
        attachments = pypdf.PdfReader(io.BytesIO(raw)).attachments
        found = [data for name, items in attachments.items() if name.endswith(".json")
                 for data in items]  # fmt: skip
        if not found:
            raise NotGenuine("the PDF carries no signed record")
        raw = found[0]
    try:
        document = json.loads(raw)
    except ValueError as exc:
        raise NotGenuine(f"not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise NotGenuine("not a signed Charte document")
    return document


def verify(document: dict, keys: dict[str, Ed25519PublicKey]) -> tuple[str, dict]:
    """(key id, signed content) when genuine; NotGenuine saying why otherwise."""
    try:
        token = document["signature"]["jws"]
        header_b64, payload_b64, signature_b64 = token.split(".")
        header = json.loads(b64url_decode(header_b64))
        payload = b64url_decode(payload_b64)
        signature = b64url_decode(signature_b64)
    except (KeyError, TypeError, ValueError) as exc:
        raise NotGenuine(f"no readable signature ({exc})") from exc
    if header.get("alg") not in ALGORITHMS:
        raise NotGenuine(f"unexpected algorithm {header.get('alg')!r}")
    if header.get("crit"):
        raise NotGenuine("unsupported critical header")
    key = keys.get(header.get("kid"))
    if key is None:
        raise NotGenuine(f"signed with key {header.get('kid')!r}, which is not in the key set")
    try:
        key.verify(signature, f"{header_b64}.{payload_b64}".encode("ascii"))
    except InvalidSignature:
        raise NotGenuine("the signature does not match: the document was altered") from None
    signed = json.loads(payload)
    rest = {name: value for name, value in document.items() if name != "signature"}
    if signed != rest:
        changed = sorted(
            name for name in set(signed) | set(rest) if signed.get(name) != rest.get(name)
        )
        raise NotGenuine(f"the readable fields differ from the signed ones: {', '.join(changed)}")
    return header["kid"], signed


def main(argv: list[str] | None = None) -> int:
    """Command line: print GENUINE or NOT GENUINE with the reason."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("document", nargs="?", help="signed JSON, or a Charte PDF")
    parser.add_argument("--keys", "--key", help="the published key set (charte-keys.json)")
    parser.add_argument("--fingerprints", metavar="KEYS", help="print the key ids of a key set")
    args = parser.parse_args(argv)
    if args.fingerprints:
        for kid in load_keys(args.fingerprints):
            print(kid)
        return 0
    if not args.document or not args.keys:
        parser.print_usage(sys.stderr)
        return 2
    try:
        keys = load_keys(args.keys)
        kid, signed = verify(read_document(args.document), keys)
    except NotGenuine as exc:
        print(f"NOT GENUINE: {exc}")
        return 1
    except OSError as exc:
        print(f"cannot read: {exc}", file=sys.stderr)
        return 2
    head = signed.get("chain_head") or {}
    print(
        f"GENUINE: {signed.get('record_id') or signed.get('recordId', '?')} signed with key {kid}"
    )
    if head:
        print(
            f"audit log at issue: entry {head.get('seq')}, hash {head.get('hash')} "
            "(the organisation's `flask audit verify` and its /verify page prove it is still there)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
