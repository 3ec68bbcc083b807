"""What an administrator with full rights on the database can do to the journal, for the tests that must catch it.

On PostgreSQL the journal's own triggers refuse these statements, so the administrator (the tables' owner, which the
tests connect as) first disables them, as a real one would; they are enabled again after the statement, and the
test's transaction is rolled back at its end anyway.
"""

from django.db import connection

from cellrelay.journal import chain
from cellrelay.journal.models import JournalEntry

JOURNAL_TABLES = ("journal_journalentry", "journal_journalhead")


def as_dba(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for no pending foreign key check
            for table in JOURNAL_TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            for table in JOURNAL_TABLES:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def truncate_after(last_kept: int) -> None:
    """Delete the entries after ``last_kept`` and set the head back to it: the chain still holds."""
    kept = JournalEntry.objects.get(pk=last_kept)
    as_dba("DELETE FROM journal_journalentry WHERE id > %s", [last_kept])
    as_dba("UPDATE journal_journalhead SET last_id = %s, last_hash = %s", [kept.id, kept.hash])


def wipe() -> None:
    """Delete every entry and the head: an empty journal, which the chain cannot tell from a new one."""
    as_dba("DELETE FROM journal_journalentry")
    as_dba("DELETE FROM journal_journalhead")


def rewrite_and_recompute(victim: int, **changes) -> None:
    """Change an entry's content, then recompute its hash and every later one with the unkeyed hash function, and
    move the head to the new last hash: the chain holds again."""
    prev_hash = JournalEntry.objects.get(pk=victim).prev_hash
    for entry in JournalEntry.objects.filter(pk__gte=victim).order_by("id"):
        if entry.id == victim:
            for name, value in changes.items():
                setattr(entry, name, value)
        new_hash = chain.entry_hash(prev_hash, entry.chained_fields())
        assignments = ", ".join(f"{name} = %s" for name in changes) if entry.id == victim else ""
        values = [getattr(entry, name) for name in changes] if entry.id == victim else []
        as_dba(f"UPDATE journal_journalentry SET {assignments + ', ' if assignments else ''}prev_hash = %s, hash = %s "
               f"WHERE id = %s", [*values, prev_hash, new_hash, entry.id])
        prev_hash = new_hash
    last = JournalEntry.objects.order_by("-id").first()
    as_dba("UPDATE journal_journalhead SET last_id = %s, last_hash = %s", [last.id, last.hash])
