-- Charte on PostgreSQL with two roles: the owner runs `flask db upgrade`, the app runs as
-- charte_app, which can read and append evidence but cannot ALTER TABLE, DISABLE TRIGGER, DROP,
-- TRUNCATE or SET session_replication_role (those need the table's owner or a superuser).
--
-- Once, as a superuser:
--   CREATE ROLE charte_owner LOGIN PASSWORD '...';
--   CREATE ROLE charte_app LOGIN PASSWORD '...';      -- NOSUPERUSER NOCREATEDB NOCREATEROLE (defaults)
--   CREATE DATABASE charte OWNER charte_owner;
--   \c charte
--   ALTER SCHEMA public OWNER TO charte_owner;
-- Then, after every `flask db upgrade` (run with the owner's DATABASE_URL), run this file as
-- charte_owner in the charte database:  psql "$OWNER_URL" -f migrations/app_role.sql
-- It is idempotent. tests/evidence/test_database_hardening.py runs it against a fresh role.

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO charte_app;

-- Ordinary tables: the app reads and writes them.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO charte_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO charte_app;
REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM charte_app;

-- Evidence: read and append only (the triggers refuse UPDATE, DELETE and TRUNCATE as well).
REVOKE UPDATE, DELETE, TRUNCATE ON
    audit_event, module_completion, quiz_snapshot, quiz_attempt, policy_version, policy_text,
    acknowledgement, consent_text, consent_event, publication_check, publication_check_person,
    publication_review, reminder_sent, certificate, certificate_revocation, evidence_attachment,
    retention_purge, asset_tag, asset_publication, asset_takedown, escalation_notice,
    published_content_file
FROM charte_app;
-- What the app legitimately changes: a quiz attempt receives its answers once, and a retention
-- purge blanks personal columns (the trigger allows it only in the purge's own transaction).
GRANT UPDATE ON quiz_attempt TO charte_app;
GRANT UPDATE (ip, user_agent) ON audit_event TO charte_app;
GRANT UPDATE (ip, user_agent, typed_name, signer_name, signer_email,
              mac, mac_version, pii_salt, pii_digest)
    ON acknowledgement TO charte_app;
GRANT UPDATE (ip, user_agent, holder_name, holder_email, mac, mac_version, pii_salt, pii_digest)
    ON consent_event TO charte_app;
GRANT UPDATE (holder_name) ON certificate TO charte_app;
