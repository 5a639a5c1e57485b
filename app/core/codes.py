"""Public verification codes: unguessable, easy to read aloud and to type."""

from __future__ import annotations

import secrets

# Crockford's base 32: no I, L, O or U, so nothing is mistaken for 1, 0 or V.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 20  # 20 symbols x 5 bits = 100 bits of randomness
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def new_code() -> str:
    """A new random code in canonical form (20 symbols, no separators).

    One read of 100 random bits cut into 5-bit symbols: the alphabet has exactly 32 symbols, so
    each is equally likely (as with 20 `secrets.choice` calls, at a twentieth of the cost).
    """
    bits = secrets.randbits(CODE_LENGTH * 5)
    return "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """Group the code by four for printing: K7QM-4XPD-9WHT-C2RZ-8NVB."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_code(raw: str) -> str | None:
    """Canonical form of what someone typed (any case, spaces or dashes), or None if impossible."""
    cleaned = "".join(ch for ch in raw.upper() if ch.isalnum()).translate(_CONFUSABLE)
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned
