"""Last activity per person: audit_event indexed on (actor_id, created_at).

The employee list sorts by each person's latest audit entry; with an index on actor_id alone
each person cost a scan of all their entries (110 ms for 1,700 people at 50,000 employees), with
this one a single probe. The new index serves every lookup by actor_id, so the old one goes.
Indexes only: no evidence row is touched.

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-22 09:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_actor_created', ['actor_id', 'created_at'], unique=False)
        batch_op.drop_index('ix_audit_event_actor_id')


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_actor_id', ['actor_id'], unique=False)
        batch_op.drop_index('ix_audit_event_actor_created')
