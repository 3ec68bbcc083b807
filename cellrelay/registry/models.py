"""What only the registry room keeps: the values no other room holds, the submissions with the values sent, and
the FHIR bulk export jobs."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cellrelay.organisation.models import Center
from cellrelay.pathway.models import Episode
from cellrelay.patients.models import Patient

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

# The order of the research assistant's page: due date, name, form (then episode and timepoint, for a stable paging).
_PAGE_ORDER = ["due_order", "family_name", "form_key", "episode", "timepoint"]
_TO_DO = models.Q(to_do=True)


class CompletenessRow(models.Model):
    """One form × timepoint of one episode as ``completeness.row_for`` last computed it (``stored.refresh``), so that
    the research assistant's page and the completeness endpoint read an index instead of computing every episode.

    Kept true by ``stored.bring_up_to_date`` before every read: the episodes whose patient has a journal entry newer
    than ``CompletenessState.journal_id``, and the rows whose ``changes_on`` has come (a timepoint reached, a due date
    passed), are computed again. The patient's name and center are copied here for the page's order and scope."""

    # The episode's and the center's own indexes would only repeat the first columns of the ones below.
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="+", db_index=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="+", db_index=False)  # treating center
    family_name = models.CharField(max_length=150)  # the page's order: due date, then name, then form
    destination = models.CharField(max_length=30)
    form_key = models.CharField(max_length=80)
    timepoint = models.CharField(max_length=20)
    reached = models.DateField(null=True)
    due = models.DateField(null=True)
    due_order = models.DateField()  # the due date, or date.max when there is none: one index orders the page
    due_month = models.CharField(max_length=7, blank=True)  # "2026-03"; "" when there is no due date
    status = models.CharField(max_length=12)
    to_do = models.BooleanField()  # the page's default rows: missing, overdue, complete (to send), to correct
    missing = models.PositiveSmallIntegerField(default=0)
    # What the page shows of the row: {"missing": [item codes], "consents": [missing consents], "differences":
    # [[item code, value sent, value now]]}; empty lists left out.
    details = models.JSONField(default=dict)
    changes_on = models.DateField(null=True)  # the day its status changes with the date alone, if it does
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["episode", "form_key", "timepoint"],
                                               name="registry_row_unique")]
        # One ordered index for each of the page's filters (its rows to act on; one registry; one form; one
        # status), so that its first 50 rows are read in order and never sorted; a month is a range of due_order.
        indexes = [
            models.Index(fields=["center", *_PAGE_ORDER], condition=_TO_DO, name="registry_row_todo"),
            models.Index(fields=["center", "destination", *_PAGE_ORDER], condition=_TO_DO,
                         name="registry_row_todo_dest"),
            models.Index(fields=["center", "form_key", "due_order", "family_name", "episode", "timepoint"],
                         condition=_TO_DO, name="registry_row_todo_form"),
            models.Index(fields=["center", "status", *_PAGE_ORDER], name="registry_row_status"),
            models.Index(fields=["changes_on"], name="registry_row_changes",
                         condition=models.Q(changes_on__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.form_key} {self.timepoint} — episode {self.episode_id}: {self.status}"


class CompletenessTally(models.Model):
    """How many stored rows a center has of one form, due month and status: the page's counts in one small sum
    whatever the number of patients. Moved by ``stored.refresh`` with the rows, under the same lock."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="+", db_index=False)  # the unique's
    form_key = models.CharField(max_length=80)
    due_month = models.CharField(max_length=7, blank=True)
    status = models.CharField(max_length=12)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["center", "form_key", "due_month", "status"],
                                               name="registry_tally_unique")]

    def __str__(self) -> str:
        return f"{self.form_key} {self.due_month or '-'} {self.status}: {self.count} (center {self.center_id})"


class CompletenessState(models.Model):
    """One row: the journal position up to which every stored row is known true (every change is journaled under
    its patient), and when the last full computation ran. Its row is also the lock that serialises refreshes."""

    journal_id = models.BigIntegerField(default=0)
    computed_at = models.DateTimeField(null=True)  # the last full computation (``manage.py refresh_registry``)

    def __str__(self) -> str:
        return f"registry completeness up to journal entry {self.journal_id}"


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
