"""On PostgreSQL, the database itself refuses to change or remove journal entries, whoever asks (DESIGN.md, "The
journal"): the ORM's refusal does not bind a raw SQL session under the application's role. The head row moves forward
only. TRUNCATE (which fires no row trigger) is refused to any role that does not own the table; the owner, who could
drop these triggers anyway, keeps it, so that a test database can still be flushed. Production runs the application
under a role that owns nothing (README, "Running it in production")."""

from django.db import migrations

# pg_catalog names are qualified and the functions' search_path fixed: a session must not be able to shadow them.
CREATE = """
CREATE FUNCTION journal_refuse_change() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    RAISE EXCEPTION 'the journal is append-only: % refused on %', TG_OP, TG_TABLE_NAME;
END $$;

CREATE FUNCTION journal_head_forward_only() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.last_id > OLD.last_id THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the journal head only moves forward: % refused on %', TG_OP, TG_TABLE_NAME;
END $$;

CREATE FUNCTION journal_truncate_by_owner_only() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    IF pg_catalog.pg_has_role(current_user,
                              (SELECT relowner FROM pg_catalog.pg_class WHERE oid = TG_RELID), 'USAGE') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the journal is append-only: TRUNCATE refused on % to a role that does not own it', TG_TABLE_NAME;
END $$;

CREATE TRIGGER journal_entry_append_only BEFORE UPDATE OR DELETE ON journal_journalentry
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_entry_truncate_by_owner_only BEFORE TRUNCATE ON journal_journalentry
    FOR EACH STATEMENT EXECUTE FUNCTION journal_truncate_by_owner_only();
CREATE TRIGGER journal_head_forward_only BEFORE UPDATE OR DELETE ON journal_journalhead
    FOR EACH ROW EXECUTE FUNCTION journal_head_forward_only();
CREATE TRIGGER journal_head_truncate_by_owner_only BEFORE TRUNCATE ON journal_journalhead
    FOR EACH STATEMENT EXECUTE FUNCTION journal_truncate_by_owner_only();
"""

DROP = """
DROP TRIGGER journal_entry_append_only ON journal_journalentry;
DROP TRIGGER journal_entry_truncate_by_owner_only ON journal_journalentry;
DROP TRIGGER journal_head_forward_only ON journal_journalhead;
DROP TRIGGER journal_head_truncate_by_owner_only ON journal_journalhead;
DROP FUNCTION journal_refuse_change();
DROP FUNCTION journal_head_forward_only();
DROP FUNCTION journal_truncate_by_owner_only();
"""


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # None: the % of RAISE are not placeholders

    return run


class Migration(migrations.Migration):
    dependencies = [("journal", "0013_excursion_released_action")]
    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
