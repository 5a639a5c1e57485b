"""Policy drafts written in the browser; minor revisions and section ids of published texts.

`policy_draft` and `policy_draft_section` hold a policy being written (not evidence: drafts
change until published; every change is audited). `policy_text.minor` numbers the minor
revisions of a version (wording only, no new signature) and `policy_text.section_ids` keeps the
stable section ids of a published text, used for redlines and for the training on what changed.

Revision ID: b1d3f7a2c9e4
Revises: e8c1a2b3d4f5
Create Date: 2026-11-30 08:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b1d3f7a2c9e4'
down_revision = 'e8c1a2b3d4f5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('policy_text', schema=None) as batch_op:
        batch_op.add_column(sa.Column('minor', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('section_ids', sa.Text(), nullable=True))
        batch_op.drop_constraint('uq_policy_text_policy_version_id', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_policy_text_policy_version_id'), ['policy_version_id', 'locale', 'minor']
        )
    op.create_table('policy_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title_fr', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('changes_fr', sa.Text(), nullable=False),
    sa.Column('changes_en', sa.Text(), nullable=False),
    sa.Column('based_on_version', sa.Integer(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_revision', sa.Integer(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_digest', sa.String(length=64), nullable=True),
    sa.Column('published', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('published_label', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user.id'], name=op.f('fk_policy_draft_approved_by_id_user')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_policy_draft_author_id_user')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_policy_draft_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_draft'))
    )
    op.create_table('policy_draft_section',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('heading_fr', sa.String(length=200), nullable=False),
    sa.Column('heading_en', sa.String(length=200), nullable=False),
    sa.Column('body_fr', sa.Text(), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['policy_draft.id'], name=op.f('fk_policy_draft_section_draft_id_policy_draft')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_draft_section')),
    sa.UniqueConstraint('draft_id', 'section_id', name=op.f('uq_policy_draft_section_draft_id'))
    )
    with op.batch_alter_table('policy_draft_section', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_draft_section_draft_id'), ['draft_id'], unique=False)


def downgrade():
    with op.batch_alter_table('policy_draft_section', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_draft_section_draft_id'))
    op.drop_table('policy_draft_section')
    op.drop_table('policy_draft')
    with op.batch_alter_table('policy_text', schema=None) as batch_op:
        batch_op.drop_constraint('uq_policy_text_policy_version_id', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_policy_text_policy_version_id'), ['policy_version_id', 'locale']
        )
        batch_op.drop_column('section_ids')
        batch_op.drop_column('minor')
