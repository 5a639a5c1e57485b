"""Consent notices sent once (expiry, renewal) and personal tag passes (event photography).

`consent_notice` records that a consent event was announced for one reason (its expiry reached
the publications, or the person was asked to renew), once: the unique key makes the scheduled
job idempotent. `asset_tag_pass` keeps the SHA-256 of the short-lived codes people show to a
photographer. Neither is evidence (bookkeeping only).

Revision ID: e8c1a2b3d4f5
Revises: 5c1d0a7e22aa
Create Date: 2026-11-30 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e8c1a2b3d4f5'
down_revision = '5c1d0a7e22aa'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consent_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['consent_event.id'], name=op.f('fk_consent_notice_event_id_consent_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_notice')),
    sa.UniqueConstraint('event_id', 'kind', name=op.f('uq_consent_notice_event_id'))
    )
    op.create_table('asset_tag_pass',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_on_asset_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['used_on_asset_id'], ['media_asset.id'], name=op.f('fk_asset_tag_pass_used_on_asset_id_media_asset')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_asset_tag_pass_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset_tag_pass')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_asset_tag_pass_token_sha256'))
    )
    with op.batch_alter_table('asset_tag_pass', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asset_tag_pass_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('asset_tag_pass', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asset_tag_pass_user_id'))
    op.drop_table('asset_tag_pass')
    op.drop_table('consent_notice')
