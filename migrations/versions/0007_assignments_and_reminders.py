"""Assignments and reminders: HR module assignments, module versions first seen, reminders sent.

Assignments name a department (its members are evaluated when due dates are read) or people.
module_version_seen dates each module material version, so that a new version gets a deadline
counted from the day the system first saw it. reminder_sent is append-only (PostgreSQL trigger);
its unique (user_id, claim) is the claim that stops concurrent senders mailing someone twice.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-22 02:34:41.095646

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('module_version_seen',
    sa.Column('module_slug', sa.String(length=120), nullable=False),
    sa.Column('material_version', sa.Integer(), nullable=False),
    sa.Column('first_seen_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('module_slug', 'material_version', name=op.f('pk_module_version_seen'))
    )
    op.create_table('assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_slug', sa.String(length=120), nullable=False),
    sa.Column('department', sa.String(length=120), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_assignment_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment'))
    )
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_department'), ['department'], unique=False)

    op.create_table('reminder_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('claim', sa.String(length=20), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['sent_by_id'], ['user.id'], name=op.f('fk_reminder_sent_sent_by_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_reminder_sent_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_sent')),
    sa.UniqueConstraint('user_id', 'claim', name=op.f('uq_reminder_sent_user_id'))
    )
    with op.batch_alter_table('reminder_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_sent_user_id'), ['user_id'], unique=False)

    op.create_table('assignment_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], name=op.f('fk_assignment_target_assignment_id_assignment')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_assignment_target_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_target')),
    sa.UniqueConstraint('assignment_id', 'user_id', name=op.f('uq_assignment_target_assignment_id'))
    )
    with op.batch_alter_table('assignment_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_target_user_id'), ['user_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute('CREATE TRIGGER reminder_sent_append_only BEFORE UPDATE OR DELETE ON "reminder_sent" FOR EACH ROW EXECUTE FUNCTION charte_refuse_evidence_change()')


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute('DROP TRIGGER IF EXISTS reminder_sent_append_only ON "reminder_sent"')
    with op.batch_alter_table('assignment_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_target_user_id'))

    op.drop_table('assignment_target')
    with op.batch_alter_table('reminder_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_sent_user_id'))

    op.drop_table('reminder_sent')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_department'))

    op.drop_table('assignment')
    op.drop_table('module_version_seen')
