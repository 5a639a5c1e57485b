"""Policy versions, their texts, and signed acknowledgements (append-only evidence).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 01:57:47.401687

Reviewed: policy_version and policy_text hold the exact texts copied at publication, so an
acknowledgement's SHA-256 stays checkable when content/ changes; acknowledgement is unique per
(user, version) so signing twice records nothing. On PostgreSQL the three tables refuse UPDATE and
DELETE (charte_refuse_evidence_change() comes from 0001).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

EVIDENCE_TABLES = ("policy_version", "policy_text", "acknowledgement")


def upgrade():
    op.create_table('policy_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['published_by_id'], ['user.id'], name=op.f('fk_policy_version_published_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_version')),
    sa.UniqueConstraint('version', name=op.f('uq_policy_version_version'))
    )
    op.create_table('policy_text',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_version_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('changes', sa.Text(), nullable=False),
    sa.Column('markdown', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['policy_version_id'], ['policy_version.id'], name=op.f('fk_policy_text_policy_version_id_policy_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_text')),
    sa.UniqueConstraint('policy_version_id', 'locale', name=op.f('uq_policy_text_policy_version_id'))
    )
    op.create_table('acknowledgement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('policy_version_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('typed_name', sa.String(length=200), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=512), nullable=True),
    sa.Column('auth_method', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['policy_version_id'], ['policy_version.id'], name=op.f('fk_acknowledgement_policy_version_id_policy_version')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_acknowledgement_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acknowledgement')),
    sa.UniqueConstraint('code', name=op.f('uq_acknowledgement_code')),
    sa.UniqueConstraint('user_id', 'policy_version_id', name=op.f('uq_acknowledgement_user_id'))
    )
    with op.batch_alter_table('acknowledgement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acknowledgement_policy_version_id'), ['policy_version_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        for table in EVIDENCE_TABLES:
            op.execute(
                f'CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION charte_refuse_evidence_change()"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in EVIDENCE_TABLES:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_append_only ON "{table}"')
    with op.batch_alter_table('acknowledgement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acknowledgement_policy_version_id'))
    op.drop_table('acknowledgement')
    op.drop_table('policy_text')
    op.drop_table('policy_version')
