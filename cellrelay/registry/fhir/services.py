"""The export job's changes of state: asked for, cancelled. Each journaled with the acting user; the run itself is a
background task (``registry.tasks.run_export``), enqueued once the request is committed."""

import shutil

from django.db import transaction
from django.utils import timezone

from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import record

from ..models import ExportJob
from .export import directory_of
from .params import ExportRequest


@transaction.atomic
def request_export(*, actor, level: str, group: str, asked: ExportRequest, url: str, language: str) -> ExportJob:
    from ..tasks import run_export

    job = ExportJob.objects.create(requested_by=actor, level=level, group=group, types=list(asked.types),
                                   since=asked.since, request_url=url, language=language)
    record(JournalEntry.Action.EXPORT_REQUESTED, actor=actor, obj=job,
           after={"level": level, "group": group, "types": list(asked.types),
                  "since": asked.since.isoformat() if asked.since else None, "request": url[:500]})
    transaction.on_commit(lambda: run_export.enqueue(str(job.pk)))
    return job


@transaction.atomic
def cancel_export(*, actor, job: ExportJob) -> None:
    """Stop it (the task sees it between batches) and remove its files; its status URL then answers 404."""
    before = job.status
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.CANCELLED, finished_at=timezone.now())
    record(JournalEntry.Action.EXPORT_CANCELLED, actor=actor, obj=job, before={"status": before},
           after={"status": ExportJob.Status.CANCELLED})
    transaction.on_commit(lambda: shutil.rmtree(directory_of(job.pk), ignore_errors=True))
