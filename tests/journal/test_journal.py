"""The journal in the database: written by every service, append-only, and tampering is detected."""

import pytest
from django.core.management import CommandError, call_command
from cellrelay.journal.models import JournalEntry, JournalIsAppendOnly
from cellrelay.journal.services import verify
from tests.conftest import register
from tests.journal.tampering import as_dba

pytestmark = pytest.mark.django_db


def verify_command_error() -> str:
    with pytest.raises(CommandError) as failure:
        call_command("verify_journal")
    return str(failure.value)


@pytest.fixture
def journal(org):
    for serial in range(1, 5):
        register(org, family=f"Patient{serial}", serial=serial)
    return list(JournalEntry.objects.order_by("id"))


def test_services_write_entries_with_actor_and_chain(journal, users):
    created = [e for e in journal if e.action == JournalEntry.Action.PATIENT_CREATED]
    assert len(created) == 4
    assert all(e.actor == users["coordinator"] for e in created)
    assert created[0].after["family_name"] == "Patient1"
    assert [e.id for e in journal] == list(range(1, len(journal) + 1))
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(journal, journal[1:]))
    assert verify() is None


def test_verify_journal_reports_an_intact_chain(journal, capsys):
    call_command("verify_journal")
    assert f"{len(journal)} entries" in capsys.readouterr().out


def test_rows_cannot_be_changed_or_deleted_through_the_orm(journal):
    entry = journal[0]
    entry.actor_label = "someone else"
    with pytest.raises(JournalIsAppendOnly):
        entry.save()
    with pytest.raises(JournalIsAppendOnly):
        entry.delete()
    with pytest.raises(JournalIsAppendOnly):
        JournalEntry.objects.filter(pk=entry.pk).update(actor_label="x")
    with pytest.raises(JournalIsAppendOnly):
        JournalEntry.objects.all().delete()
    assert JournalEntry.objects.get(pk=entry.pk).actor_label == "coordinator"


def test_an_altered_row_is_named(journal):
    victim = journal[2]
    as_dba("UPDATE journal_journalentry SET object_repr = %s WHERE id = %s", ["FORGED", victim.id])
    assert f"entry #{victim.id}" in verify_command_error()
    assert "altered" in verify_command_error()


def test_an_altered_before_after_is_named(journal):
    victim = journal[0]
    as_dba("UPDATE journal_journalentry SET after = %s WHERE id = %s", ['{"weight_kg": "1.0"}', victim.id])
    assert f"entry #{victim.id}" in verify_command_error()


def test_a_deleted_row_is_found_at_the_next_one(journal):
    victim = journal[3]
    as_dba("DELETE FROM journal_journalentry WHERE id = %s", [victim.id])
    assert f"entry #{victim.id + 1}" in verify_command_error()


def test_a_removed_tail_is_found(journal):
    as_dba("DELETE FROM journal_journalentry WHERE id = %s", [journal[-1].id])
    assert "removed at the end" in verify_command_error()


def test_a_swapped_pair_is_found(journal):
    first, second = journal[1].id, journal[2].id
    for old, new in ((second, -1), (first, second), (-1, first)):
        as_dba("UPDATE journal_journalentry SET id = %s WHERE id = %s", [new, old])
    assert f"entry #{first}" in verify_command_error()


def test_a_patient_read_is_journaled(client_as, patient, users):
    client_as("haematologist").get(f"/patients/{patient.pk}/")
    read = JournalEntry.objects.filter(action=JournalEntry.Action.PATIENT_READ).last()
    assert read.actor == users["haematologist"] and read.patient_id == patient.pk
    assert read.request_id  # tied to the HTTP request that displayed it


def test_a_removed_head_is_found_and_stops_further_writes(journal, org):
    as_dba("DELETE FROM journal_journalhead")
    assert "journal head" in verify_command_error()
    with pytest.raises(RuntimeError, match="head row is missing"):
        register(org, family="After", serial=99)
