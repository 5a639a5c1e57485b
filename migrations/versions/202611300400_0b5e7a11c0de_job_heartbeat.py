"""The scheduler's heartbeat and job leases: job_heartbeat.

One row per scheduled job (its last run, outcome, duration and the lease that keeps two workers
from running it at once) and one per `flask worker` process (its last beat). Operational state,
not evidence: rows are updated in place. /readyz reads the workers' beats.

Revision ID: 0b5e7a11c0de
Revises: e5a1c0de5ea1
Create Date: 2026-11-30 04:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0b5e7a11c0de'
down_revision = 'e5a1c0de5ea1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_heartbeat',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('runner', sa.String(length=120), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_ok_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_outcome', sa.String(length=20), nullable=True),
    sa.Column('last_duration_seconds', sa.Float(), nullable=True),
    sa.Column('last_detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_heartbeat'))
    )


def downgrade():
    op.drop_table('job_heartbeat')
