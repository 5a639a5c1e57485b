"""The demo generator's chain hashing (hash_parts + chain_hasher) equals entry_hash."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from app.core import audit, keys


@pytest.mark.parametrize("key_id", ["current", None])
def test_prepared_parts_hash_like_entry_hash(app, key_id):
    with app.app_context():
        key = keys.current_key_id() if key_id == "current" else None
        event = SimpleNamespace(
            created_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
            actor_id=None,
            subject_id=12,
            action="consent.granted",
            target_type="consent_event",
            target_id="44",
            details=audit.canonical_json({"note": 'Chloé "quoted", \\ ,"prev_hash":"","seq":0,'}),
            pii_digest="ab" * 32,
            key_id=key,
        )
        parts = audit.hash_parts(event)
        placed = SimpleNamespace(**vars(event), seq=981, prev_hash="cd" * 32)
        assert audit.chain_hasher(key)(parts, 981, "cd" * 32) == audit.entry_hash(placed)
