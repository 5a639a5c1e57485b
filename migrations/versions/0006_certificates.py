"""Certificates of completion and their revocations.

A certificate freezes what its PDF prints (holder's name, titles in French and English, content
version, score, date, public code) so the PDF is regenerated identically on demand. One per
person and issue key (module slug + material version, or the programme marker): re-completion
never issues twice. Both tables are evidence: on PostgreSQL a trigger refuses UPDATE and DELETE
(the function comes from migration 0001); revoking adds a row, the revoked state is derived.

Revision ID: 0006
Revises: 0010
Create Date: 2026-11-22 02:35:27.047013

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0010'
branch_labels = None
depends_on = None

EVIDENCE_TABLES = ("certificate", "certificate_revocation")


def upgrade():
    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('issue_key', sa.String(length=200), nullable=False),
    sa.Column('module_slug', sa.String(length=120), nullable=True),
    sa.Column('material_version', sa.Integer(), nullable=True),
    sa.Column('content_version', sa.String(length=64), nullable=False),
    sa.Column('title_fr', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('holder_name', sa.String(length=200), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_certificate_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('code', name=op.f('uq_certificate_code')),
    sa.UniqueConstraint('user_id', 'issue_key', name=op.f('uq_certificate_user_id'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_issued_at'), ['issued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_module_slug'), ['module_slug'], unique=False)

    op.create_table('certificate_revocation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_certificate_revocation_certificate_id_certificate')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user.id'], name=op.f('fk_certificate_revocation_revoked_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_revocation')),
    sa.UniqueConstraint('certificate_id', name=op.f('uq_certificate_revocation_certificate_id'))
    )
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
    op.drop_table('certificate_revocation')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_module_slug'))
        batch_op.drop_index(batch_op.f('ix_certificate_kind'))
        batch_op.drop_index(batch_op.f('ix_certificate_issued_at'))

    op.drop_table('certificate')
