"""What consent receipts say about a purpose: consent_purpose.purpose_category, audience, third_parties.

Three nullable columns on consent_purpose (not an evidence table: purposes are settings of the
consent area). `flask consent sync` fills them from the text files' front matter; until then they
stay NULL and receipts say the information was not declared. Reviewed by hand: plain add_column
in batch mode for SQLite, no data migration, no trigger.

Revision ID: e7c1a9d4b2f0
Revises: 0012
Create Date: 2026-11-30 02:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7c1a9d4b2f0'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consent_purpose', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose_category', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('audience', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('third_parties', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('consent_purpose', schema=None) as batch_op:
        batch_op.drop_column('third_parties')
        batch_op.drop_column('audience')
        batch_op.drop_column('purpose_category')
