"""SCIM groups and members, people's managers, escalation notices.

`user.manager_id` names a person's line manager; `scim_group` and `scim_group_member` keep the
groups an identity provider pushes over SCIM and what each maps to (a department or a role);
`escalation_notice` records each overdue item escalated at each stage, once (unique key).

Revision ID: 5c1d0a7e22aa
Revises: 7a55e7c0de21
Create Date: 2026-11-30 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1d0a7e22aa'
down_revision = '7a55e7c0de21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('manager_id', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('directory_removed_at', sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column('directory_user_name', sa.String(length=254), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_user_directory_user_name'), ['directory_user_name']
        )
        batch_op.create_index(batch_op.f('ix_user_manager_id'), ['manager_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_user_manager_id_user'), 'user', ['manager_id'], ['id'],
            ondelete='SET NULL',
        )
    op.create_table('scim_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.Column('maps_to', sa.String(length=20), nullable=False),
    sa.Column('target', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scim_group')),
    sa.UniqueConstraint('display_name', name=op.f('uq_scim_group_display_name'))
    )
    op.create_table('scim_group_member',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['scim_group.id'], name=op.f('fk_scim_group_member_group_id_scim_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_scim_group_member_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'user_id', name=op.f('pk_scim_group_member'))
    )
    with op.batch_alter_table('scim_group_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scim_group_member_user_id'), ['user_id'], unique=False)
    op.create_table('escalation_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=120), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('days_overdue', sa.Integer(), nullable=False),
    sa.Column('notified_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notified_user_id'], ['user.id'], name=op.f('fk_escalation_notice_notified_user_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_escalation_notice_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_notice')),
    sa.UniqueConstraint('user_id', 'item_key', 'due_on', 'stage', name=op.f('uq_escalation_notice_user_id'))
    )
    with op.batch_alter_table('escalation_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalation_notice_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('escalation_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalation_notice_user_id'))
    op.drop_table('escalation_notice')
    with op.batch_alter_table('scim_group_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scim_group_member_user_id'))
    op.drop_table('scim_group_member')
    op.drop_table('scim_group')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_manager_id_user'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_user_manager_id'))
        batch_op.drop_constraint(batch_op.f('uq_user_directory_user_name'), type_='unique')
        batch_op.drop_column('directory_user_name')
        batch_op.drop_column('directory_removed_at')
        batch_op.drop_column('manager_id')
