"""Writing to and checking the journal. Called by every other service, inside its transaction."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from cellrelay.written_out import insert, prepared_cursor

from . import chain, checkpointing
from .context import current_request_id
from .models import JournalEntry, JournalHead


def as_json(value):
    """Plain JSON values (dates, decimals and UUIDs as strings) so the hash survives a round trip."""
    return None if value is None else json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict:
    """The model's concrete field values, by attribute name, ready for before/after."""
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    return as_json({name: getattr(instance, name) for name in names})


def record(
    action: str,
    *,
    actor,
    obj: models.Model | None = None,
    patient_id: int | None = None,
    center_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    actor_label: str = "",
) -> JournalEntry:
    """Append one entry to the chain. Must run inside the caller's transaction.

    ``actor`` is the acting user, or None for a command or task, which then names itself in
    ``actor_label``. The head row is locked so that concurrent appends queue up in order; the INSERT moves it to
    the new entry (a trigger, migration 0019): two statements an entry.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("journal.record must run inside the service's transaction")
    if actor is None and not actor_label:
        raise ValueError("a journal entry needs an actor or an actor_label")
    entry = JournalEntry(
        actor=actor,
        actor_label=actor_label or actor.get_username(),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        patient_id=patient_id,
        center_id=center_id,
        before=as_json(before),
        after=as_json(after),
        request_id=current_request_id.get(),
    )
    # Every appender queues on the head until the holder commits: the entry is built before the lock, and only its
    # place in the chain (id, time, previous hash) and its hash after (issue #14). The time is taken under the lock so
    # that entries' times follow their ids.
    last_id, entry.prev_hash = _locked_head()
    entry.id, entry.at = last_id + 1, timezone.now()
    entry.hash = chain.entry_hash(entry.prev_hash, entry.chained_fields())
    insert(entry)  # written out: the ORM's compiling of this INSERT was most of its cost (issue #14)
    checkpointing.after_append(entry.id)
    return entry


def _locked_head() -> tuple[int, str]:
    """The head's (last id, last hash), its row locked until the transaction ends. An empty journal (new or flushed
    database) starts a new head; a journal with entries but no head has been tampered with, and nothing more is
    written to it."""
    head = _lock_head_row()
    if head is not None:
        return head
    # Concurrent first writers: one inserts, the others wait on its row and then lock it in turn.
    JournalHead.objects.bulk_create([JournalHead(pk=1, last_id=0, last_hash=chain.GENESIS_HASH)], ignore_conflicts=True)
    head = _lock_head_row()
    if head[0] == 0 and JournalEntry.objects.exists():
        raise RuntimeError("the journal's head row is missing: run verify_journal")
    return head


def _lock_head_row() -> tuple[int, str] | None:
    """SELECT … FOR UPDATE of the head row, written out: every journaled write runs it, and the ORM spent more CPU
    compiling it than the database spends answering (issue #14). SQLite has no row locks and needs none: its
    writers are serialised by BEGIN IMMEDIATE (settings.SQLITE_OPTIONS)."""
    connection = transaction.get_connection()
    table = connection.ops.quote_name(JournalHead._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with prepared_cursor(connection) as cursor:
        cursor.execute(f"SELECT last_id, last_hash FROM {table} WHERE id = 1{lock}")
        return cursor.fetchone()


def record_for_patient(action: str, patient, *, actor, obj: models.Model | None = None, before: dict | None = None,
                       after: dict | None = None) -> JournalEntry:
    """An entry about one patient's record, filed under the patient and their treating center."""
    return record(action, actor=actor, obj=obj, patient_id=patient.pk, center_id=patient.treating_center_id,
                  before=before, after=after)


@transaction.atomic
def record_document_read(document: str, patient, *, actor, obj: models.Model | None = None,
                         details: dict | None = None) -> JournalEntry:
    """A document about a patient was opened (PDF, labels, certificate…): a read of the record, journaled under the
    patient. A read has no service around it, so this is its own transaction: journaling needs one, and a view
    on a real server runs outside any (no ATOMIC_REQUESTS; only tests wrap every request in one)."""
    return record_for_patient(JournalEntry.Action.DOCUMENT_READ, patient, actor=actor, obj=obj,
                              after={"document": document, **(details or {})})


def verify() -> chain.Break | None:
    """Recompute the whole chain from the stored rows; the first break, or None if intact."""
    head = JournalHead.objects.filter(pk=1).first()
    if head is None:
        if JournalEntry.objects.exists():
            return chain.Break(None, "the record of the last entry (journal head) was removed")
        return None
    rows = (
        (e.id, e.prev_hash, e.hash, e.chained_fields())
        for e in JournalEntry.objects.order_by("id").iterator(chunk_size=2000)
    )
    return chain.first_break(rows, (head.last_id, head.last_hash))
