"""The HR dashboard's figures, shared by every worker: dashboard_snapshot.

One row per day (in practice only today's is kept): the figures as JSON, when they were
computed, and since when a worker has been recomputing them. A cache, not evidence: rows are
replaced and deleted freely.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dashboard_snapshot',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('figures', sa.Text(), nullable=False),
    sa.Column('refresh_claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_dashboard_snapshot'))
    )


def downgrade():
    op.drop_table('dashboard_snapshot')
