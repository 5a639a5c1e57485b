"""Signed JSON documents (receipts, certificates) that anyone can check with the public key alone.

A signed document is ordinary, readable JSON with two added members:
- `chain_head`: the audit entry that recorded the evidence (seq, hash, time), i.e. the chain's
  head when it was issued. /verify and `flask audit verify` prove the chain still reaches it;
- `signature`: a compact JWS (RFC 7515, alg Ed25519, header kid) whose payload is the JSON of the
  document without `signature`. A verifier checks the JWS with the published key set and that
  the payload, parsed, equals the rest of the document (comparing parsed JSON, not bytes, so no
  canonical form has to be reproduced). scripts/verify_receipt.py does exactly that.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _

from app.core import audit
from app.evidence import signing_keys

SIGNATURE = "signature"
CHAIN_HEAD = "chain_head"
ATTACHMENT_MAX_BYTES = 1024 * 1024  # a signed record is a few KB; ignore anything huge


def keys_url() -> str:
    """The public address of the key set (on CHARTE_BASE_URL when set)."""
    base = current_app.config.get("CHARTE_BASE_URL")
    if base:
        return base.rstrip("/") + "/.well-known/charte-keys.json"
    if has_request_context():
        return url_for("well_known.keys", _external=True)
    return "/.well-known/charte-keys.json"


def issue_head(target_type: str, target_id: str | int) -> audit.ChainHead | None:
    """The chain head when this evidence row was issued: the audit entry that recorded it."""
    return audit.entry_head(target_type, target_id)


def sign(body: dict[str, Any], head: audit.ChainHead | None) -> dict[str, Any]:
    """The body with its chain head and a JWS over both: ready for json.dumps."""
    document = {**body, CHAIN_HEAD: head.as_dict() if head else None}
    # Round-trip through JSON so the signed payload holds exactly what a reader will parse.
    document = json.loads(audit.canonical_json(document))
    token = signing_keys.sign(audit.canonical_json(document).encode())
    return {
        **document,
        SIGNATURE: {
            # An identifier, not a sentence (receipts are entirely in the reader's language);
            # the schemas and the README say what it means: the payload is this document
            # without "signature".
            "format": "jws-compact-rfc7515",
            "alg": signing_keys.ALGORITHM,
            "kid": signing_keys.current_kid(),
            "keys_url": keys_url(),
            "jws": token,
        },
    }


def to_bytes(document: dict[str, Any]) -> bytes:
    """The file form: indented UTF-8 JSON."""
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()


def check(document: dict[str, Any]) -> dict[str, Any]:
    """Verify a signed document with this site's published keys: its content, or ValueError."""
    return _verified(document)[1]


def _verified(document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(JWS header, signed content) of a document whose signature checks out; else ValueError."""
    try:
        token = document[SIGNATURE]["jws"]
    except (KeyError, TypeError) as exc:
        raise ValueError("no signature") from exc
    header, payload = signing_keys.verify(token)
    signed = json.loads(payload)
    rest = {name: value for name, value in document.items() if name != SIGNATURE}
    if signed != rest:
        raise ValueError("the document differs from what its signature covers")
    return header, signed


def attachment(document: dict[str, Any], name: str) -> tuple[str, bytes, str]:
    """The (file name, bytes, description) to attach the signed document to its PDF."""
    return name, to_bytes(document), "Signed record (JWS, Ed25519): scripts/verify_receipt.py"


def printed_rows(document: dict[str, Any], name: str) -> tuple[tuple[str, str], ...]:
    """Receipt rows (in the current locale): the chain head at issue and the signature."""
    head = document.get(CHAIN_HEAD)
    signature = document[SIGNATURE]
    rows: list[tuple[str, str]] = []
    if head:
        rows.append((_("Audit log at issue"), _("entry %(seq)d", seq=head["seq"])))
        rows.append((_("Audit log hash at issue"), head["hash"]))
    rows.append(
        (
            _("Electronic signature"),
            _(
                "Ed25519, key %(kid)s. The signed record is attached to this PDF (%(name)s); "
                "anyone can check it with the public keys at %(url)s.",
                kid=signature["kid"],
                name=name,
                url=signature["keys_url"],
            ),
        )
    )
    return tuple(rows)


def printed_line(document: dict[str, Any], name: str) -> str:
    """One short line for a certificate: the key, the chain head at issue, the attachment."""
    head = document.get(CHAIN_HEAD) or {"seq": 0, "hash": ""}
    return _(
        "Signed (Ed25519, key %(kid)s) · audit log entry %(seq)d, %(hash)s… · "
        "signed record attached: %(name)s",
        kid=document[SIGNATURE]["kid"][:16],
        seq=head["seq"],
        hash=head["hash"][:16],
        name=name,
    )


@dataclass(frozen=True)
class ReceiptCheck:
    """What /verify/receipt found in an uploaded signed document."""

    genuine: bool
    signed: dict[str, Any] | None = None
    head: dict[str, Any] | None = None
    chain_reaches_head: bool | None = None  # None: the document carries no head
    code: str | None = None
    kid: str = ""  # the key that verified the signature (from the JWS header)
    reason: str = ""


def read_uploaded(raw: bytes) -> dict[str, Any]:
    """A signed document from an uploaded JSON file or from a Charte PDF's attachment."""
    if raw.startswith(b"%PDF"):
        import pypdf

        try:
            attachments = pypdf.PdfReader(io.BytesIO(raw)).attachments
            found = [data for name in attachments if name.endswith(".json")
                     for data in attachments[name]]  # fmt: skip
        except Exception as exc:  # pypdf raises many kinds of errors on broken files
            raise ValueError("unreadable PDF") from exc
        found = [data for data in found if len(data) <= ATTACHMENT_MAX_BYTES]
        if not found:
            raise ValueError("the PDF carries no signed record")
        raw = found[0]
    try:
        document = json.loads(raw)
    except ValueError as exc:
        raise ValueError("not JSON") from exc
    if not isinstance(document, dict):
        raise ValueError("not a signed document")
    return document


def check_upload(raw: bytes) -> ReceiptCheck:
    """Signature with this site's keys, then whether the audit log still reaches the head."""
    try:
        header, signed = _verified(read_uploaded(raw))
    except ValueError as exc:
        return ReceiptCheck(False, reason=str(exc))
    head = signed.get(CHAIN_HEAD)
    reaches = None
    if isinstance(head, dict) and isinstance(head.get("seq"), int):
        reaches = audit.chain_holds(head["seq"], str(head.get("hash", "")))
    verification = signed.get("verification")
    code = verification.get("code") if isinstance(verification, dict) else None
    code = code if isinstance(code, str) else None
    return ReceiptCheck(True, signed, head, reaches, code, kid=str(header.get("kid", "")))
