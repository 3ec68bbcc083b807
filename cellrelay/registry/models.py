"""What only the registry room keeps: the values no other room holds, the submissions with the values sent, and
the FHIR bulk export jobs."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cellrelay.pathway.models import Episode

USER = settings.AUTH_USER_MODEL


class EnteredValue(models.Model):
    """An item typed in the registry room (``source = "entered"`` in the dictionary). Never updated: a new value
    is a new row, the latest one counts. ``timepoint`` blank: the value holds for every timepoint."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="registry_values")
    item = models.CharField(_("item"), max_length=60)
    timepoint = models.CharField(_("timepoint"), max_length=20, blank=True)
    value = models.JSONField(_("value"))
    entered_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["entered_at", "pk"]
        indexes = [models.Index(fields=["episode", "item"], name="registry_value_item")]
        verbose_name = _("registry value")

    def __str__(self) -> str:
        return f"{self.item} = {self.value} — {self.episode.patient}"


class Submission(models.Model):
    """A form sent to a registry, with a frozen copy of the values sent (item code → value)."""

    destination = models.CharField(_("registry"), max_length=30)
    form_code = models.CharField(_("form"), max_length=40)
    form_version = models.CharField(_("form version"), max_length=60)
    timepoint = models.CharField(_("timepoint"), max_length=20)
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="registry_submissions")
    submitted_on = models.DateField(_("submitted on"))
    reference = models.CharField(_("reference number"), max_length=100, blank=True)
    values = models.JSONField(_("values sent"))
    submitted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submitted_at", "pk"]
        indexes = [models.Index(fields=["destination", "form_code", "timepoint"], name="registry_submission_form")]
        verbose_name = _("registry submission")

    def __str__(self) -> str:
        return f"{self.destination} {self.form_code} {self.timepoint} — {self.episode.patient}"

    @property
    def form_key(self) -> str:
        return f"{self.destination}:{self.form_code}"

class ExportJob(models.Model):
    """One FHIR Bulk Data export (HL7 Bulk Data Access IG): asked for by one user, run by a background task, its
    NDJSON files kept under ``CELLRELAY_EXPORT_DIR/<id>/`` until it is cancelled (DELETE on its status URL).

    The id is a random UUID: the status URL names no count of other users' exports, and another user's id answers
    404 anyway."""

    class Level(models.TextChoices):
        SYSTEM = "system", _("All patients")
        PATIENT = "patient", _("Patients")
        GROUP = "group", _("Registry destination")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=10, choices=Level.choices)
    group = models.CharField(max_length=20, blank=True)  # a registry destination's code (Group id)
    types = models.JSONField(default=list)  # the resource types asked for, in export order
    since = models.DateTimeField(null=True, blank=True)
    request_url = models.CharField(max_length=2000)
    language = models.CharField(max_length=10, default="en")  # the requester's, for the texts of the manifest
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    patients_total = models.PositiveIntegerField(default=0)
    patients_done = models.PositiveIntegerField(default=0)
    output = models.JSONField(default=list)  # [{"type": "Patient", "file": "Patient.ndjson", "count": 12}]
    error = models.CharField(max_length=500, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    transaction_time = models.DateTimeField(null=True, blank=True)  # when the data were read (manifest)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("FHIR export")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.id} ({self.get_status_display()})"
