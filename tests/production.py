"""What a production-style app needs to start in a test: strong keys, key files and a base URL.

`create_app(env="production")` refuses weak or published SECRET_KEYs, a missing or non-https
CHARTE_BASE_URL, a missing signing key file (app/evidence/signing_keys.py) and missing
evidence MAC keys (app/core/keys.py); tests that build
a production app, in process or as a subprocess, take their settings from here.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from pathlib import Path
from typing import Any

from app.evidence.signing_keys import create_key_file

PRODUCTION_BASE_URL = "https://charte.example.org"


def signing_key_file() -> str:
    """A new Ed25519 key set in a fresh temporary folder (production never generates one)."""
    path = Path(tempfile.mkdtemp(prefix="charte-keys-")) / "signing-keys.json"
    create_key_file(path)
    return str(path)


def production_config(**overrides: Any) -> dict[str, Any]:
    """A config a production app accepts (new random keys per call), with overrides."""
    return {
        "SECRET_KEY": secrets.token_hex(32),
        "CHARTE_BASE_URL": PRODUCTION_BASE_URL,
        "CHARTE_SIGNING_KEY_FILE": signing_key_file(),
        "EVIDENCE_KEYS": {"p1": secrets.token_hex(32)},
        **overrides,
    }


def production_environment(**overrides: str) -> dict[str, str]:
    """The same as environment variables, for a production server started as a subprocess."""
    config = production_config(**overrides)
    ((key_id, secret),) = config.pop("EVIDENCE_KEYS").items()
    return {
        **{key: str(value) for key, value in config.items()},
        "EVIDENCE_KEYS": json.dumps({key_id: secret}),
        "EVIDENCE_KEY_ID": key_id,
    }
