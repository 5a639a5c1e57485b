"""API tokens die with their issuer's authority: user.privilege_generation, api_token.issuer_generation.

The user's generation moves whenever their role or active flag changes; a token records the
generation it was issued in and works only while both match, so a demotion or a deactivation
ends it for good (a later re-promotion or reactivation moves the generation again).

Revision ID: b41e7d2c9a05
Revises: 5e7d1c2b9a40
Create Date: 2026-11-30 02:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b41e7d2c9a05'
down_revision = '5e7d1c2b9a40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('privilege_generation', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issuer_generation', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('issuer_generation')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('privilege_generation')
