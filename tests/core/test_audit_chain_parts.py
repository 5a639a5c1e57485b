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


@pytest.mark.parametrize(
    "value",
    [
        {"b": 1, "a": [1.5, None, True, False, 'Chloé "q" \\ \n\t\u2028'], "c": {"z": {}, "y": []}},
        [datetime(2026, 3, 1, 9, 30, tzinfo=UTC), 10**30, -0.0, 1e-300, float("inf")],
        {"sealed": {"quiz_attempt": {"12": "ab" * 32}}, "score": 3, "passed": True},
        {2: "int keys", 1: (1, 2)},
        'a "string" alone',
        None,
        7,
    ],
)
def test_canonical_json_is_the_text_json_dumps_gives(value):
    """canonical_json keeps one C encoder instead of building one per call: same text as the
    encoder the hashes and seals were defined with."""
    import json

    expected = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    assert audit.canonical_json(value) == expected


def test_demo_batch_entries_prepared_like_hash_parts(app):
    """The demo generator writes its audit entries' hashed text and COPY lines field by field:
    every entry of a batch equals what audit.hash_parts and the generic row encoder give."""
    from app.demo import batch_rows, bulk, seed
    from app.demo.bulk_writes import Encoder
    from app.models.audit import AuditEvent

    with app.app_context():
        seed.load_demo()
        ctx = bulk.context(datetime.now(UTC), 2026)
        counts = batch_rows.draft(ctx, list(range(1, 13)), list(range(9001, 9013))).counts()
        ids = {kind: list(range(5000, 5000 + n)) for kind, n in counts.items()}
        key = keys.current_key_id()
        for postgres in (True, False):
            finished = batch_rows.finish(
                batch_rows.draft(ctx, list(range(1, 13)), list(range(9001, 9013))),
                dict(ids),
                key,
                postgres,
                ctx,
            )
            encoder = Encoder(AuditEvent.__table__, batch_rows.AUDIT_COLUMNS, postgres)
            assert len(finished.entries) > 100
            for parts, line in finished.entries:
                fields = line.split("\t") if postgres else line
                row = dict(zip(batch_rows.AUDIT_COLUMNS, fields, strict=True)) if postgres else line
                if postgres:  # the generated details hold no tab, newline or backslash
                    row = {k: (None if v == "\\N" else v) for k, v in row.items()}
                    row["created_at"] = datetime.fromisoformat(row["created_at"])
                    for name in ("actor_id", "subject_id"):
                        row[name] = None if row[name] is None else int(row[name])
                entry = SimpleNamespace(
                    **{k: v for k, v in row.items() if k not in ("ip", "user_agent", "pii_salt")}
                )
                assert audit.hash_parts(entry) == parts
                assert encoder.line(row) == line
                assert (
                    audit.pii_digest(row["pii_salt"], row["ip"], row["user_agent"])
                    == (row["pii_digest"])
                )
