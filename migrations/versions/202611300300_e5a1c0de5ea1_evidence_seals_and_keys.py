"""Evidence seals for every kind, evidence key ids, identities sealed in the record.

- Every sealed table gains `key_id` (the evidence key that sealed the row, app/core/keys.py;
  NULL = the legacy key derived from SECRET_KEY, as for every row written before this version),
  and so does audit_event (the chain hash uses the evidence key of each entry).
- Kinds that had no MAC gain `mac` (NULL until sealed): consent_text, policy_text, certificate,
  certificate_revocation, quiz_attempt, module_completion, publication_check,
  publication_check_person.
- acknowledgement (signer_name, signer_email), consent_event (holder_name, holder_email) and
  certificate (its existing holder_name) seal the person's identity at the time through
  `identity_digest` (salted; certificate gains `pii_salt`), so receipts and /verify never read
  the live account.
Rows recorded before this version are sealed and named in one "evidence.sealed" audit entry by
`flask audit seal-existing` (run once after upgrading; `flask audit verify` says so until then):
that needs the evidence keys, which a migration must not depend on. Columns only here, no
trigger change (the append-only triggers already cover these tables on PostgreSQL).

Revision ID: e5a1c0de5ea1
Revises: a7e3c2f1b9d4
Create Date: 2026-11-30 03:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'e5a1c0de5ea1'
down_revision = 'a7e3c2f1b9d4'
branch_labels = None
depends_on = None

KEYED = ("audit_event", "acknowledgement", "consent_event", "evidence_attachment")
NEWLY_SEALED = (
    "consent_text", "policy_text", "certificate", "certificate_revocation", "quiz_attempt",
    "module_completion", "publication_check", "publication_check_person",
)


def upgrade():
    for table in KEYED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('key_id', sa.String(length=32), nullable=True))
    for table in NEWLY_SEALED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('mac', sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column('key_id', sa.String(length=32), nullable=True))
    with op.batch_alter_table('acknowledgement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signer_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('signer_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('identity_digest', sa.String(length=64), nullable=True))
    with op.batch_alter_table('consent_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holder_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('holder_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('identity_digest', sa.String(length=64), nullable=True))
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pii_salt', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('identity_digest', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('identity_digest')
        batch_op.drop_column('pii_salt')
    with op.batch_alter_table('consent_event', schema=None) as batch_op:
        batch_op.drop_column('identity_digest')
        batch_op.drop_column('holder_email')
        batch_op.drop_column('holder_name')
    with op.batch_alter_table('acknowledgement', schema=None) as batch_op:
        batch_op.drop_column('identity_digest')
        batch_op.drop_column('signer_email')
        batch_op.drop_column('signer_name')
    for table in NEWLY_SEALED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('key_id')
            batch_op.drop_column('mac')
    for table in KEYED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('key_id')
