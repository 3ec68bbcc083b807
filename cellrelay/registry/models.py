"""What only the registry room keeps: the values no other room holds, and the submissions with the values sent."""

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
