"""charte_locked_chain_head(lock_key): the audit chain lock and the chain head in one call.

Every evidence write took the chain's advisory lock in one statement and read the head in the
next: two round trips, the second one already under the lock that every other evidence writer
waits for. This function does both in one. It is VOLATILE plpgsql, so its SELECT runs on a
snapshot taken after the lock was granted (READ COMMITTED): it sees the entry of the writer
that held the lock before, exactly as the separate statement did. The lock is the same
transaction-level advisory lock, released at commit or rollback. On SQLite nothing changes
(its single writer lock serialises the writers).

Revision ID: f1a2b3c4d5e6
Revises: e7f8a9b0c1d2
Create Date: 2026-12-01 15:00:00
"""
from alembic import op


revision = 'f1a2b3c4d5e6'
down_revision = 'e7f8a9b0c1d2'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(
        """
CREATE FUNCTION charte_locked_chain_head(lock_key bigint, OUT seq integer, OUT hash varchar)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    SELECT a.seq, a.hash INTO seq, hash FROM audit_event a ORDER BY a.seq DESC LIMIT 1;
END
$$
"""
    )


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP FUNCTION charte_locked_chain_head(bigint)")
