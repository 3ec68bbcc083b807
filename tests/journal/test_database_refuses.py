"""On PostgreSQL the database itself keeps the journal append-only, for a raw SQL session too (issue 12, finding 2):
no entry can be changed or removed, the head only moves forward, and a role that does not own the tables cannot
truncate them even when granted the right. The documented application role can append and nothing more."""

from pathlib import Path
import uuid

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from cellrelay.journal import services
from cellrelay.journal.models import JournalEntry, JournalHead
from tests.conftest import register

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
                       reason="the journal's triggers and roles exist on PostgreSQL only (SQLite has no roles)"),
]

APP_ROLE_SQL = Path(__file__).resolve().parents[2] / "scripts" / "postgres_app_role.sql"


def refused(sql: str, params=()) -> str:
    """The database's refusal of a statement (in a savepoint, so that the test goes on), or a failed test."""
    with pytest.raises(DatabaseError) as refusal, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    return str(refusal.value)


@pytest.fixture
def entries(org):
    for serial in (1, 2):
        register(org, family=f"Patient{serial}", serial=serial)
    return list(JournalEntry.objects.order_by("id"))


def test_an_entry_cannot_be_updated_even_in_raw_sql(entries):
    victim = entries[0]
    assert "append-only: UPDATE refused" in refused(
        "UPDATE journal_journalentry SET object_repr = 'FORGED' WHERE id = %s", [victim.id])
    assert JournalEntry.objects.get(pk=victim.id).object_repr == victim.object_repr


def test_an_entry_cannot_be_deleted_even_in_raw_sql(entries):
    assert "append-only: DELETE refused" in refused("DELETE FROM journal_journalentry WHERE id = %s", [entries[-1].id])
    assert JournalEntry.objects.count() == len(entries)


def test_the_head_cannot_be_set_back_nor_removed(entries):
    assert "only moves forward" in refused("UPDATE journal_journalhead SET last_id = 1")
    assert "only moves forward" in refused("DELETE FROM journal_journalhead")
    assert JournalHead.objects.get(pk=1).last_id == entries[-1].id


def create_role(*privileges_sql: str) -> str:
    """A role of this test (rolled back with it), given the privileges; its name."""
    name = f"cellrelay_test_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        # A TRUNCATE refused only because foreign key checks of this transaction are pending would prove nothing.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"CREATE ROLE {name} NOLOGIN")
        for sql in privileges_sql:
            cursor.execute(sql.replace("cellrelay_app", name))
    return name


def test_a_role_that_does_not_own_the_journal_cannot_truncate_it_even_if_granted(entries):
    role = create_role("GRANT ALL ON journal_journalentry, journal_patientshown, journal_journalhead TO cellrelay_app")
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {role}")
        try:
            assert "TRUNCATE refused" in refused("TRUNCATE journal_journalentry CASCADE")
            assert "TRUNCATE refused" in refused("TRUNCATE journal_journalhead")
        finally:
            cursor.execute("RESET ROLE")
    assert JournalEntry.objects.count() == len(entries)


def test_the_documented_application_role_appends_but_cannot_change_remove_or_truncate(entries):
    without_comments = "\n".join(line for line in APP_ROLE_SQL.read_text().splitlines() if not line.startswith("--"))
    role = create_role(*(statement for statement in without_comments.split(";") if statement.strip()))
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {role}")
        try:
            with transaction.atomic():
                appended = services.record(JournalEntry.Action.DATA_SEEDED, actor=None, actor_label="role test")
            for statement in ("UPDATE journal_journalentry SET object_repr = 'x'",
                              "DELETE FROM journal_journalentry", "TRUNCATE journal_journalentry CASCADE",
                              "DELETE FROM journal_journalhead", "TRUNCATE journal_journalhead",
                              "ALTER TABLE journal_journalentry DISABLE TRIGGER USER"):
                assert any(word in refused(statement) for word in ("permission denied", "must be owner")), statement
        finally:
            cursor.execute("RESET ROLE")
    assert JournalEntry.objects.order_by("-id").first() == appended
    assert services.verify() is None
