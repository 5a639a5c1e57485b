"""What a production-style app needs to start in a test: a fresh strong key and a base URL.

`create_app(env="production")` refuses weak or published SECRET_KEYs and a missing
CHARTE_BASE_URL; tests that build a production app take their config from here.
"""

from __future__ import annotations

import secrets
from typing import Any

PRODUCTION_BASE_URL = "https://charte.example.org"


def production_config(**overrides: Any) -> dict[str, Any]:
    """A config a production app accepts (a new random key per call), with overrides."""
    return {
        "SECRET_KEY": secrets.token_hex(32),
        "CHARTE_BASE_URL": PRODUCTION_BASE_URL,
        **overrides,
    }
