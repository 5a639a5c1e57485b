"""Image-use consent: purposes, versioned texts, append-only decisions, publication checks.

Consent decisions and publication checks are evidence: on PostgreSQL a trigger refuses any
UPDATE or DELETE on them (the function comes from migration 0001). Reviews of checked
publications are a separate table so that the checks themselves are never changed.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 01:59:01.742847

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

EVIDENCE_TABLES = ("consent_event", "publication_check", "publication_check_person")


def upgrade():
    op.create_table('consent_purpose',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('order', sa.Integer(), nullable=False),
    sa.Column('media', sa.String(length=40), nullable=False),
    sa.Column('default_duration_months', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_purpose')),
    sa.UniqueConstraint('slug', name=op.f('uq_consent_purpose_slug'))
    )
    op.create_table('consent_text',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('markdown', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['purpose_id'], ['consent_purpose.id'], name=op.f('fk_consent_text_purpose_id_consent_purpose')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_text')),
    sa.UniqueConstraint('purpose_id', 'version', 'locale', name=op.f('uq_consent_text_purpose_id'))
    )
    with op.batch_alter_table('consent_text', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_text_purpose_id'), ['purpose_id'], unique=False)

    op.create_table('publication_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose_id', sa.Integer(), nullable=False),
    sa.Column('medium', sa.String(length=10), nullable=False),
    sa.Column('reference', sa.String(length=300), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['checked_by_id'], ['user.id'], name=op.f('fk_publication_check_checked_by_id_user')),
    sa.ForeignKeyConstraint(['purpose_id'], ['consent_purpose.id'], name=op.f('fk_publication_check_purpose_id_consent_purpose')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication_check'))
    )
    op.create_table('consent_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose_id', sa.Integer(), nullable=False),
    sa.Column('medium', sa.String(length=10), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('text_id', sa.Integer(), nullable=False),
    sa.Column('text_version', sa.Integer(), nullable=False),
    sa.Column('text_locale', sa.String(length=5), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=512), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('on_behalf', sa.Boolean(), nullable=False),
    sa.Column('paper_reference', sa.String(length=200), nullable=True),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['purpose_id'], ['consent_purpose.id'], name=op.f('fk_consent_event_purpose_id_consent_purpose')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_consent_event_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['text_id'], ['consent_text.id'], name=op.f('fk_consent_event_text_id_consent_text')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_consent_event_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_event')),
    sa.UniqueConstraint('code', name=op.f('uq_consent_event_code'))
    )
    with op.batch_alter_table('consent_event', schema=None) as batch_op:
        batch_op.create_index('ix_consent_event_latest', ['user_id', 'purpose_id', 'medium', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_event_purpose_id'), ['purpose_id'], unique=False)

    op.create_table('publication_check_person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('allowed', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('consent_event_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['check_id'], ['publication_check.id'], name=op.f('fk_publication_check_person_check_id_publication_check')),
    sa.ForeignKeyConstraint(['consent_event_id'], ['consent_event.id'], name=op.f('fk_publication_check_person_consent_event_id_consent_event')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_publication_check_person_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication_check_person'))
    )
    with op.batch_alter_table('publication_check_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publication_check_person_check_id'), ['check_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_publication_check_person_user_id'), ['user_id'], unique=False)

    op.create_table('publication_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_person_id', sa.Integer(), nullable=False),
    sa.Column('trigger_event_id', sa.Integer(), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['check_person_id'], ['publication_check_person.id'], name=op.f('fk_publication_review_check_person_id_publication_check_person')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user.id'], name=op.f('fk_publication_review_reviewed_by_id_user')),
    sa.ForeignKeyConstraint(['trigger_event_id'], ['consent_event.id'], name=op.f('fk_publication_review_trigger_event_id_consent_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publication_review')),
    sa.UniqueConstraint('check_person_id', 'trigger_event_id', name=op.f('uq_publication_review_check_person_id'))
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
    op.drop_table('publication_review')
    with op.batch_alter_table('publication_check_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publication_check_person_user_id'))
        batch_op.drop_index(batch_op.f('ix_publication_check_person_check_id'))

    op.drop_table('publication_check_person')
    with op.batch_alter_table('consent_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_event_purpose_id'))
        batch_op.drop_index('ix_consent_event_latest')

    op.drop_table('consent_event')
    op.drop_table('publication_check')
    with op.batch_alter_table('consent_text', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_text_purpose_id'))

    op.drop_table('consent_text')
    op.drop_table('consent_purpose')
