"""The audit entry of an evidence row: audit_event indexed on (target_type, target_id).

Receipts, certificates and /verify carry the chain head at issue: the first audit entry that
recorded the row (app/core/audit.py entry_head). Without an index each lookup scanned the whole
log. Index only: no evidence row is touched.

Revision ID: a7e3c2f1b9d4
Revises: b41e7d2c9a05
Create Date: 2026-11-30 02:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a7e3c2f1b9d4'
down_revision = 'b41e7d2c9a05'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_target', ['target_type', 'target_id'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_target')
