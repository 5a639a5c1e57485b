"""`python -m app.evidence.verify_receipt FILE --key KEYFILE`: check a signed receipt offline.

FILE is a signed JSON receipt or certificate, or a Charte PDF carrying one as an attachment;
KEYFILE is the published key set (/.well-known/charte-keys.json) or one public JWK. Needs no
application, database or configuration: only joserfc and pypdf. scripts/verify_receipt.py does
the same with `cryptography` alone, for people who do not want to install Charte.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from typing import Any

from joserfc import jws
from joserfc.jwk import KeySet

ALGORITHMS = ["Ed25519", "EdDSA"]


class NotGenuine(Exception):
    """The document's signature or content does not check out."""


def load_key_set(path: str) -> KeySet:
    """A JWK set from a file holding a set or a single key."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    return KeySet.import_key_set(data if "keys" in data else {"keys": [data]})


def read_document(raw: bytes) -> dict[str, Any]:
    """The signed JSON from a JSON file or from the attachment of a PDF."""
    if raw.startswith(b"%PDF"):
        import pypdf

        attachments = pypdf.PdfReader(io.BytesIO(raw)).attachments
        found = [data for name in attachments if name.endswith(".json")
                 for data in attachments[name]]  # fmt: skip
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


def verify(document: dict[str, Any], key_set: KeySet) -> dict[str, Any]:
    """The signed content when the JWS verifies and matches the readable fields."""
    try:
        token = document["signature"]["jws"]
        # joserfc warns about the "EdDSA" name (RFC 9864); Charte signs with "Ed25519".
        member = jws.deserialize_compact(token, key_set, algorithms=ALGORITHMS)
    except (KeyError, TypeError) as exc:
        raise NotGenuine("no signature") from exc
    except Exception as exc:  # joserfc's errors: bad signature, unknown kid, malformed token
        raise NotGenuine(f"the signature does not verify ({exc})") from exc
    signed = json.loads(member.payload)
    rest = {name: value for name, value in document.items() if name != "signature"}
    if signed != rest:
        raise NotGenuine("the readable fields differ from the signed ones")
    return dict(signed)


def main(argv: list[str] | None = None) -> int:
    """Print GENUINE (exit 0) or NOT GENUINE with the reason (exit 1)."""
    parser = argparse.ArgumentParser(prog="python -m app.evidence.verify_receipt")
    parser.add_argument("file", help="signed JSON receipt or certificate, or a Charte PDF")
    parser.add_argument("--key", required=True, help="charte-keys.json (JWK set) or one JWK")
    args = parser.parse_args(argv)
    try:
        with open(args.file, "rb") as handle:
            signed = verify(read_document(handle.read()), load_key_set(args.key))
    except NotGenuine as exc:
        print(f"NOT GENUINE: {exc}")
        return 1
    head = signed.get("chain_head") or {}
    print(
        f"GENUINE: {signed.get('record_id') or signed.get('recordId', '?')}; audit log at issue: entry {head.get('seq')}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
