"""The consent_event (user, purpose, medium, id) index also carries decision and valid_until.

The HR export and the dashboard find the latest decision of each (person, purpose, medium) and
its latest valid grant in one grouped pass over this index; with the two columns in the index
(PostgreSQL's INCLUDE) the pass reads the index alone instead of fetching every event's row.
On SQLite the index stays as it was (no INCLUDE there).

Revision ID: e7f8a9b0c1d2
Revises: d4e5f6a7b8c9
Create Date: 2026-11-30 16:00:00
"""
from alembic import op


revision = 'e7f8a9b0c1d2'
down_revision = 'd4e5f6a7b8c9'
branch_labels = None
depends_on = None

COLUMNS = ['user_id', 'purpose_id', 'medium', 'id']


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_consent_event_latest', table_name='consent_event')
    op.create_index('ix_consent_event_latest', 'consent_event', COLUMNS, unique=False,
                    postgresql_include=['decision', 'valid_until'])


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_consent_event_latest', table_name='consent_event')
    op.create_index('ix_consent_event_latest', 'consent_event', COLUMNS, unique=False)
