-- The rights of the role the application runs as on PostgreSQL (README, "Running it in production").
-- Run it as the role that owns the tables (the one `manage.py migrate` runs as), after every migrate, e.g.:
--   psql -v ON_ERROR_STOP=1 -d cellrelay -U cellrelay_owner -f scripts/postgres_app_role.sql
-- The application role owns nothing: a table's owner may disable its triggers, and nobody else can.
GRANT USAGE ON SCHEMA public TO cellrelay_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO cellrelay_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO cellrelay_app;
-- The journal: entries are appended and read, never changed, removed or truncated; the head row only moves forward.
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON journal_journalentry FROM cellrelay_app;
-- The patients a list entry names (an index of the entry's own list): as append-only as the entry.
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON journal_patientshown FROM cellrelay_app;
REVOKE DELETE, TRUNCATE, REFERENCES, TRIGGER ON journal_journalhead FROM cellrelay_app;
