"""The database moves the journal's head to each entry as it is inserted (issue #14): an append is one INSERT after
the head is locked, not an INSERT then an UPDATE, and the head cannot disagree with the last entry written.

On both databases the trigger refuses an entry that does not come after the head: the chain only grows at its end.
"""

from django.db import migrations

# pg_catalog names are qualified and the function's search_path fixed (as in 0014); the head table is named in the
# schema the migration runs in, so that no session can shadow it either.
POSTGRESQL_CREATE = """
CREATE FUNCTION journal_head_follows_entry() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    UPDATE {schema}.journal_journalhead SET last_id = NEW.id, last_hash = NEW.hash WHERE id = 1;
    RETURN NULL;
END $$;
CREATE TRIGGER journal_head_follows_entry AFTER INSERT ON journal_journalentry
    FOR EACH ROW EXECUTE FUNCTION journal_head_follows_entry();
"""
# The forward-only trigger of 0014 refuses an entry at or below the head (its UPDATE would move the head back).

POSTGRESQL_DROP = """
DROP TRIGGER journal_head_follows_entry ON journal_journalentry;
DROP FUNCTION journal_head_follows_entry();
"""

SQLITE_CREATE = """
CREATE TRIGGER journal_head_follows_entry AFTER INSERT ON journal_journalentry
BEGIN
    SELECT RAISE(ABORT, 'the journal head only moves forward')
        WHERE (SELECT last_id FROM journal_journalhead WHERE id = 1) >= NEW.id;
    UPDATE journal_journalhead SET last_id = NEW.id, last_hash = NEW.hash WHERE id = 1;
END
"""

SQLITE_DROP = "DROP TRIGGER journal_head_follows_entry"


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_catalog.quote_ident(pg_catalog.current_schema())")
            schema = cursor.fetchone()[0]
        schema_editor.execute(POSTGRESQL_CREATE.format(schema=schema), params=None)
    elif connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE, params=None)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("journal", "0018_registry_and_export_actions")]
    operations = [migrations.RunPython(create, drop)]
