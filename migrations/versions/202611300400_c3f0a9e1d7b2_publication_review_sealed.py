"""Publication reviews are evidence: sealed, and append-only on PostgreSQL.

A review records who acted on a publication after the consent behind it ended, and its
existence clears the item from HR's "to review" list. It gains `mac` and `key_id` (NULL until
sealed: `flask audit seal-existing` seals and names rows recorded before this version, as for
the other kinds in e5a1c0de5ea1). On PostgreSQL only, the table gets the two evidence
triggers (migrations/README): `publication_review_append_only` (row level, refuses UPDATE and
DELETE through charte_refuse_evidence_change(), whose retention exception names no column of
this table) and `publication_review_no_truncate` (statement level, charte_refuse_truncate()).
Reviewed: autogenerate only adds the two columns; the triggers are written by hand.

Revision ID: c3f0a9e1d7b2
Revises: 0b5e7a11c0de
Create Date: 2026-11-30 04:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c3f0a9e1d7b2'
down_revision = '0b5e7a11c0de'
branch_labels = None
depends_on = None

TABLE = "publication_review"


def upgrade():
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.add_column(sa.Column('mac', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('key_id', sa.String(length=32), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f'CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON "{TABLE}" '
            "FOR EACH ROW EXECUTE FUNCTION charte_refuse_evidence_change()"
        )
        op.execute(
            f'CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON "{TABLE}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION charte_refuse_truncate()"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f'DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON "{TABLE}"')
        op.execute(f'DROP TRIGGER IF EXISTS {TABLE}_append_only ON "{TABLE}"')
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_column('key_id')
        batch_op.drop_column('mac')
