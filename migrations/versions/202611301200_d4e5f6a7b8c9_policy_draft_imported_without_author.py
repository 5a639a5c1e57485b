"""A policy draft may have no author: one loaded by `flask content import` from files.

The import runs from the command line, as nobody in the application; its audit entry says where
the text came from. Any HR person or administrator may then approve it (the second-person rule
compares the approver with the author and the last editor).

Revision ID: d4e5f6a7b8c9
Revises: c0a7e0d1f7a5
Create Date: 2026-11-30 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'd4e5f6a7b8c9'
down_revision = 'c0a7e0d1f7a5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('policy_draft', schema=None) as batch_op:
        batch_op.alter_column('author_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    # Drafts without an author cannot stay: they were imported from files, which still exist.
    op.execute("DELETE FROM policy_draft_section WHERE draft_id IN "
               "(SELECT id FROM policy_draft WHERE author_id IS NULL)")
    op.execute("DELETE FROM policy_draft WHERE author_id IS NULL")
    with op.batch_alter_table('policy_draft', schema=None) as batch_op:
        batch_op.alter_column('author_id', existing_type=sa.Integer(), nullable=False)
