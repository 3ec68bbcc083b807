"""The database moves the journal's head to each entry inserted, and refuses an entry that does not come after it
(migration 0019): an append is one INSERT once the head is locked."""

import pytest
from django.db import DatabaseError, connection, transaction

from cellrelay.journal.models import JournalEntry, JournalHead
from tests.conftest import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def journal(org):
    for serial in (1, 2):
        register(org, family=f"Patient{serial}", serial=serial)
    return list(JournalEntry.objects.order_by("id"))


def test_the_head_is_the_last_entry_inserted(journal):
    head = JournalHead.objects.get(pk=1)
    assert (head.last_id, head.last_hash) == (journal[-1].id, journal[-1].hash)


def test_an_entry_behind_the_head_is_refused(journal):
    """An id below the head (a forged entry slipped into the past, or an old id reused) is refused."""
    columns = ("id", "at", "actor_label", "action", "object_type", "object_id", "object_repr", "request_id",
               "prev_hash", "hash")
    with pytest.raises(DatabaseError, match="only moves forward"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO journal_journalentry ({', '.join(columns)}) VALUES ({', '.join(['%s'] * 10)})",
                       [-5, journal[0].at, "forger", journal[0].action, "", "", "", "", "0" * 64, "f" * 64])
    assert JournalHead.objects.get(pk=1).last_id == journal[-1].id
