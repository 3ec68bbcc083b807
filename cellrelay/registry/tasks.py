"""Background work of the registry room (django-tasks; `manage.py db_worker` runs the queue)."""

from django_tasks import task


@task()
def run_export(job_id: str) -> str:
    """Run one FHIR bulk export; returns its final status. A failure is recorded on the job (its status URL then
    answers the error) and raised again for the task's own record."""
    from .fhir import export
    from .models import ExportJob

    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    if job.status != ExportJob.Status.QUEUED:
        return job.status  # cancelled before it started
    try:
        export.run(job)
    except Exception as error:
        export.fail(job, error)
        raise
    return ExportJob.objects.values_list("status", flat=True).get(pk=job_id)


@task()
def refresh_completeness() -> int:
    """Compute every episode's stored completeness again (nightly: the rows whose date came are then ready before
    the first page of the day); the number of episodes."""
    from . import stored

    return stored.refresh_all()
