"""migrations/HEAD names the single Alembic head; new migration files carry a date prefix.

Two branches that each add a migration both change the one line of migrations/HEAD, so they
conflict at merge time instead of silently leaving two heads. No database is needed: the revision
graph is read from migrations/versions/ by Alembic's ScriptDirectory.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
LOCKFILE = MIGRATIONS / "HEAD"

# The revisions written before the date-prefixed file_template. Deployed databases store these ids
# in alembic_version: never rename, renumber or remove them. Do not add new revisions here.
FROZEN_REVISIONS = frozenset(
    {"0001", "0002", "0003", "0004", "0005", "0006", "0007", "0009", "0010", "0011", "0012"}
)
DATE_PREFIX = re.compile(r"^\d{12}_")


@pytest.fixture(scope="module")
def scripts() -> ScriptDirectory:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def test_exactly_one_head(scripts):
    heads = scripts.get_heads()
    assert len(heads) == 1, (
        f"migrations have {len(heads)} heads {sorted(heads)}: two branches each added a "
        "migration. Point the later one's down_revision at the other (or run "
        '`flask db merge -m "merge heads" <ids>`), then write the single head in migrations/HEAD.'
    )


def test_lockfile_names_the_head(scripts):
    heads = scripts.get_heads()
    assert len(heads) == 1, f"several heads {sorted(heads)}: see test_exactly_one_head"
    head = heads[0]
    assert LOCKFILE.is_file(), f"migrations/HEAD is missing: create it holding the line {head}"
    recorded = LOCKFILE.read_text(encoding="utf-8").strip()
    assert recorded == head, (
        f"migrations/HEAD says {recorded!r} but the head is {head!r}: "
        f"a migration was added: update migrations/HEAD to {head}"
    )


def test_frozen_revisions_are_kept(scripts):
    present = {script.revision for script in scripts.walk_revisions()}
    missing = sorted(FROZEN_REVISIONS - present)
    assert not missing, (
        f"revisions {missing} are gone: deployed databases store these ids, so never rename, "
        "renumber or remove an existing migration (add a new one instead)"
    )


def test_new_revision_files_are_date_prefixed(scripts):
    undated = sorted(
        Path(script.path).name
        for script in scripts.walk_revisions()
        if script.revision not in FROZEN_REVISIONS and not DATE_PREFIX.match(Path(script.path).name)
    )
    assert not undated, (
        f"new migration files {undated} lack the YYYYMMDDHHMM_ prefix: create them with "
        '`flask db migrate -m "..."` (migrations/alembic.ini sets file_template), or rename '
        "the file to <YYYYMMDDHHMM>_<revision>_<slug>.py; keep its revision id"
    )
