"""Content written in the browser: drafts, their file revisions, and published files (evidence).

`content_draft` and `content_draft_file` are ordinary tables (a draft is nobody's evidence; its
file revisions are only ever added, the newest per path counts). `published_content_file` is
evidence: sealed (app.learn.evidence.PUBLISHED_FILES) and, on PostgreSQL, append-only through
the two evidence triggers (migrations/README): `published_content_file_append_only` (row level,
charte_refuse_evidence_change()) and `published_content_file_no_truncate` (statement level).

Revision ID: c0a7e0d1f7a5
Revises: b1d3f7a2c9e4
Create Date: 2026-11-30 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c0a7e0d1f7a5'
down_revision = 'b1d3f7a2c9e4'
branch_labels = None
depends_on = None

TABLE = "published_content_file"


def upgrade():
    op.create_table(
        'content_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'], ),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'content_draft_file',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('draft_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=300), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('saved_by_id', sa.Integer(), nullable=True),
        sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['draft_id'], ['content_draft.id'], ),
        sa.ForeignKeyConstraint(['saved_by_id'], ['user.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('content_draft_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_content_draft_file_draft_id'), ['draft_id'], unique=False)
    op.create_table(
        TABLE,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=300), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('draft_id', sa.Integer(), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('mac', sa.String(length=64), nullable=True),
        sa.Column('key_id', sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(['draft_id'], ['content_draft.id'], ),
        sa.ForeignKeyConstraint(['published_by_id'], ['user.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_published_content_file_path'), ['path'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f'CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON "{TABLE}" '
            "FOR EACH ROW EXECUTE FUNCTION charte_refuse_evidence_change()"
        )
        op.execute(
            f'CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON "{TABLE}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION charte_refuse_truncate()"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f'DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON "{TABLE}"')
        op.execute(f'DROP TRIGGER IF EXISTS {TABLE}_append_only ON "{TABLE}"')
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_published_content_file_path'))
    op.drop_table(TABLE)
    with op.batch_alter_table('content_draft_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_content_draft_file_draft_id'))
    op.drop_table('content_draft_file')
    op.drop_table('content_draft')
