"""Step-up re-authentication before signing: step_up.

People without a password (single sign-on accounts) confirm a signature by a fresh sign-in at
the identity provider or a one-time code by email; each pending confirmation is a row here,
bound to its OAuth state (by SHA-256) and nonce, or to its code (by HMAC). Workflow state, not
evidence: rows are marked proved, used or failed (the signature itself records the method).

Revision ID: 5e7d1c2b9a40
Revises: 5e55107a0017
Create Date: 2026-11-30 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e7d1c2b9a40'
down_revision = '5e55107a0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('step_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('state_sha256', sa.String(length=64), nullable=True),
    sa.Column('nonce', sa.String(length=64), nullable=True),
    sa.Column('code_hmac', sa.String(length=64), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('return_path', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('proved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('auth_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failure', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_step_up_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_step_up')),
    sa.UniqueConstraint('state_sha256', name=op.f('uq_step_up_state_sha256'))
    )
    with op.batch_alter_table('step_up', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_step_up_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('step_up', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_step_up_user_id'))

    op.drop_table('step_up')
