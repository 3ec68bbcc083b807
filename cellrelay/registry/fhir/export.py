"""The export job's run: the patients it may send, batch by batch, every requested type of each batch written before
the next batch is read, so that memory does not grow with the number of patients. Cancelling (DELETE on the status
URL) is seen between batches."""

import shutil
from collections.abc import Iterator
from functools import reduce
from operator import or_
from pathlib import Path

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from cellrelay.journal.models import JournalEntry
from cellrelay.journal.reads import PatientRef, Shown, write
from cellrelay.organisation.permissions import Action
from cellrelay.patients.access import patients_for

from ..consent import allowed_patients
from ..destinations import DESTINATIONS
from ..models import ExportJob
from . import source, systems
from .writer import NdjsonWriter

BATCH = 1000
# A read is not a change: _since finds the patients whose record changed, not those who were looked at.
READS = (JournalEntry.Action.PATIENT_READ, JournalEntry.Action.PATIENTS_LISTED, JournalEntry.Action.DOCUMENT_READ)


def directory_of(job_id) -> Path:
    return Path(settings.CELLRELAY_EXPORT_DIR) / str(job_id)


def patients_of(job: ExportJob) -> QuerySet:
    """The requester's center's patients that the export may send: a Group export those its destination may receive
    (every consent it needs given); a system or Patient export those at least one destination may receive. With
    ``_since``, only the patients whose record changed since (a journaled change, reads excluded)."""
    scope = patients_for(job.requested_by, Action.EXPORT_DATA)
    if job.level == ExportJob.Level.GROUP:
        chosen = allowed_patients(job.group, scope)
    else:
        chosen = scope.filter(reduce(or_, (Q(pk__in=allowed_patients(code, scope).values("pk"))
                                           for code in DESTINATIONS)))
    if job.since:
        changed = (JournalEntry.objects.filter(at__gt=job.since, patient_id__isnull=False).exclude(action__in=READS)
                   .values("patient_id"))
        chosen = chosen.filter(pk__in=changed)
    return chosen


def batches(patients: QuerySet, size: int = BATCH) -> Iterator[list[tuple[int, int]]]:
    """(id, treating center) of the patients, ``size`` at a time, by id (keyset: no offset, no list of them all)."""
    last = 0
    while True:
        batch = list(patients.filter(pk__gt=last).order_by("pk").values_list("pk", "treating_center_id")[:size])
        if not batch:
            return
        yield batch
        last = batch[-1][0]


def write_batch(writer: NdjsonWriter, types: tuple[str, ...], ids: list[int], local: systems.Local) -> None:
    batch = source.Batch(ids)
    for resource_type in types:
        for resource in source.resources(resource_type, batch, local):
            writer.write(resource_type, resource)


def journal_read(job: ExportJob, batch: list[tuple[int, int]]) -> None:
    """The batch's patients leave in the files: one entry names them (journal.reads), as a page that lists them."""
    shown = Shown(actor=job.requested_by, listed=True)
    shown.patients = {pk: PatientRef(pk, center_id) for pk, center_id in batch}
    write(shown, page=job.request_url[:500], query={})


def cancelled(job: ExportJob) -> bool:
    return ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.CANCELLED).exists()


def run(job: ExportJob) -> None:
    """Write the job's files and its manifest's output; nothing is left behind when it was cancelled meanwhile."""
    directory = directory_of(job.pk)
    directory.mkdir(parents=True, exist_ok=True)
    patients = patients_of(job)
    job.transaction_time = timezone.now()
    job.patients_total = patients.count()
    ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, transaction_time=job.transaction_time, patients_total=job.patients_total)
    writer, done, local = NdjsonWriter(directory), 0, systems.local()
    types = tuple(job.types)
    try:
        for batch in batches(patients):
            if cancelled(job):
                break
            write_batch(writer, types, [pk for pk, _center in batch], local)
            journal_read(job, batch)
            done += len(batch)
            ExportJob.objects.filter(pk=job.pk).update(patients_done=done)
    finally:
        output = writer.close(types)
    finished = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING).update(
        status=ExportJob.Status.DONE, output=output, finished_at=timezone.now())
    if not finished:  # cancelled while it ran
        shutil.rmtree(directory, ignore_errors=True)


def fail(job: ExportJob, error: Exception) -> None:
    ExportJob.objects.filter(pk=job.pk).exclude(status=ExportJob.Status.CANCELLED).update(
        status=ExportJob.Status.FAILED, error=f"{type(error).__name__}: {error}"[:500], finished_at=timezone.now())
    shutil.rmtree(directory_of(job.pk), ignore_errors=True)
