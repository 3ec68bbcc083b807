"""Follow-up after the infusion, to year 15: the plan and its visits, what is found at them, the coordinator's calls.

Raw values are kept beside every derived category (a response's Deauville score and uptake, the blood counts behind
an ICAHT grade) so that a record can be graded again when the criteria change (registry.md: "keep raw values, derive
grades").
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cellrelay.organisation.models import Center
from cellrelay.pathway.codes import localize_code
from cellrelay.pathway.models import Episode
from cellrelay.patients.models import Patient

from . import calls

USER = settings.AUTH_USER_MODEL


class Recorded(models.Model):
    """Who recorded it, when; and the visit it was found at, if any."""

    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class FollowUpPlan(models.Model):
    """Made when the infusion is recorded, from the protocol template's timepoints, counted from the actual D0."""

    episode = models.OneToOneField(Episode, on_delete=models.PROTECT, related_name="follow_up_plan")
    d0 = models.DateField(_("infusion (D0)"))
    timepoints = models.CharField(_("follow-up timepoints"), max_length=200)
    # The coordinator's call schedule (followup.md), editable: daily, then twice a month, then before each visit.
    daily_calls_until = models.DateField(_("daily calls until"))
    twice_monthly_calls_until = models.DateField(_("calls twice a month until"))
    calls_before_visit_days = models.PositiveSmallIntegerField(_("call this many days before each later visit"),
                                                               default=1)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)
    # Kept by the services (a visit done, a call that reached the patient, a death) so that the patients not heard
    # of for 13 months are one index range (worklist.at_risk_of_loss), not a scan of every plan's visits and calls.
    last_contact = models.DateField(_("last contact"))  # D0, or the last visit done or call that reached the patient
    visits_left = models.BooleanField(_("visits still planned"), default=True)

    class Meta:
        # Partial: SQLite uses an index on a boolean only so (Django writes `WHERE "visits_left"`, not `= 1`).
        indexes = [models.Index(fields=["last_contact"], condition=models.Q(visits_left=True),
                                name="plan_followed_last_contact")]
        verbose_name = _("follow-up plan")

    def __str__(self) -> str:
        return f"{self.episode} — {self._meta.verbose_name}"


class Visit(models.Model):
    class Place(models.TextChoices):
        TREATING = "treating", _("treating center")
        REFERRING = "referring", _("referring hospital")

    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("visit", "planned")
        DONE = "done", pgettext_lazy("visit", "done")
        MISSED = "missed", _("missed")
        DECLINED = "declined", _("patient declined")
        LOST = "lost", _("lost to follow-up")
        ENDED = "ended", _("no longer due")  # after the patient's death

    plan = models.ForeignKey(FollowUpPlan, on_delete=models.PROTECT, related_name="visits")
    code = models.CharField(_("timepoint"), max_length=8)
    day = models.PositiveSmallIntegerField(_("days after D0"))
    due = models.DateField(_("due"))
    earliest = models.DateField(_("window opens"))
    latest = models.DateField(_("window closes"))
    place = models.CharField(_("place"), max_length=12, choices=Place.choices, default=Place.TREATING)
    # Whose visit it is to record: the treating center, or the referring hospital that took the follow-up back.
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    done_on = models.DateField(_("date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due", "pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="one_visit_per_timepoint")]
        # The worklist's sections (worklist.py): due this week or awaiting by due date, overdue by window's end. The
        # id next: the sections' order (due or window's end, then id) is the index's, so a section's rows and its
        # capped count stop early instead of sorting every visit due the same day. The window's end after it: the
        # visits awaiting their record are read from the widest window back, and those whose window has closed (most
        # of them) are skipped in the index instead of read from the table.
        indexes = [models.Index(fields=["status", "due", "id", "latest"], name="visit_open_due"),
                   models.Index(fields=["status", "latest", "id"], name="visit_open_latest")]
        verbose_name = _("follow-up visit")

    def __str__(self) -> str:
        return f"{self.display_code} — {self.plan.episode.patient}"

    @property
    def display_code(self) -> str:
        return localize_code(self.code, get_language())

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PLANNED


# The categories as the criteria write them (registry.md), with their words: "PMR (partial metabolic response)".
CATEGORY_WORDS = {
    "CMR": _("complete metabolic response"), "PMR": _("partial metabolic response"),
    "NMR": _("no metabolic response"), "PMD": _("progressive metabolic disease"),
    "CR": _("complete remission"), "CRi": _("complete remission with incomplete haematological recovery"),
    "no_remission": _("no remission"), "relapse": _("relapse"), "sCR": _("stringent complete response"),
    "VGPR": _("very good partial response"), "PR": _("partial response"), "SD": _("stable disease"),
    "PD": _("progressive disease"),
}
MRD_WORDS = {"MRD-negative": _("MRD negative"), "MRD-positive": _("MRD positive")}


def category_text(category: str, raw: dict | None = None) -> str:
    """"CR MRD-negative" → "CR MRD-negative (complete remission, MRD negative)"; a trial's score as "SLEDAI-2K 4"."""
    if category == "score" and raw:
        return f"{raw.get('score_name', '')} {raw.get('score_value', '')}".strip()
    code, _space, mrd = category.partition(" ")
    words = [str(CATEGORY_WORDS[code])] if code in CATEGORY_WORDS else []
    if mrd in MRD_WORDS:
        words.append(str(MRD_WORDS[mrd]))
    if code in ("no_remission", "relapse"):
        return ", ".join(words)
    return f"{category} ({', '.join(words)})" if words else category


class Response(Recorded):
    """A disease assessment by the criteria of the indication; ``raw`` is what the criteria read."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="responses")
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="responses", null=True, blank=True)
    assessed_on = models.DateField(_("assessed on"))
    criteria = models.CharField(_("criteria"), max_length=20)
    raw = models.JSONField(_("findings"))
    category = models.CharField(_("response"), max_length=40)
    is_progression = models.BooleanField(_("relapse or progression"), default=False)

    class Meta:
        ordering = ["assessed_on", "pk"]
        verbose_name = _("disease response")

    @property
    def category_text(self) -> str:
        return category_text(self.category, self.raw)

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.assessed_on:%Y-%m-%d}: {self.category}"


class SubsequentTreatment(Recorded):
    class Kind(models.TextChoices):
        NEW_LINE = "new_line", _("new line of treatment")
        TRANSPLANT = "transplant", _("stem-cell transplant")
        REINFUSION = "reinfusion", _("CAR-T re-infusion")

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="subsequent_treatments")
    kind = models.CharField(_("treatment"), max_length=20, choices=Kind.choices)
    started_on = models.DateField(_("started on"))
    detail = models.CharField(_("details"), max_length=300, blank=True)

    class Meta:
        ordering = ["started_on", "pk"]
        verbose_name = _("subsequent treatment")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_on:%Y-%m-%d}"


class BloodCount(Recorded):
    """A blood count after the infusion, for ICAHT (followup.md); the D0-D30 counts of monitoring count too."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="follow_up_counts")
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="blood_counts", null=True, blank=True)
    sampled_on = models.DateField(_("sampled on"))
    anc_per_ul = models.PositiveIntegerField(_("neutrophils (/µL)"), null=True, blank=True)
    platelets_g_l = models.PositiveIntegerField(_("platelets (G/L)"), null=True, blank=True)
    haemoglobin_g_dl = models.DecimalField(_("haemoglobin (g/dL)"), max_digits=4, decimal_places=1, null=True,
                                           blank=True)

    class Meta:
        ordering = ["sampled_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["episode", "sampled_on"], name="one_count_per_day")]
        verbose_name = _("blood count")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.sampled_on:%Y-%m-%d}"


# The late effects' details, named as the form names them.
DETAIL_LABELS = {
    "igg_g_l": _("IgG (g/L)"), "immunoglobulin_replacement": _("Immunoglobulin replacement"),
    "cd19_per_ul": _("CD19+ B cells (/µL)"), "organism": _("Organism"), "site": _("Site"), "severity": _("Severity"),
    "diagnosis": _("Diagnosis"), "manufacturer_notified": _("Manufacturer notified"),
    "sample_kept": _("Sample kept for CAR-transgene testing"), "description": _("Description"),
}


class LateEffect(Recorded):
    """A late effect; ``details`` holds its raw values (IgG level, organism and site, malignancy type…)."""

    class Kind(models.TextChoices):
        IGG = "igg", _("IgG level")
        B_CELL_APLASIA = "b_cell_aplasia", _("B-cell aplasia")
        INFECTION = "infection", _("infection")
        SECOND_MALIGNANCY = "second_malignancy", _("second primary malignancy")
        NEUROLOGICAL = "neurological", _("neurological event")
        PREGNANCY = "pregnancy", _("pregnancy")

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="late_effects")
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="late_effects", null=True, blank=True)
    kind = models.CharField(_("late effect"), max_length=20, choices=Kind.choices)
    observed_on = models.DateField(_("date"))
    details = models.JSONField(_("details"), default=dict)
    # registry.md (FDA 2024): a T-cell malignancy after a CAR-T: the manufacturer is told and a sample kept.
    t_cell_malignancy = models.BooleanField(_("T-cell malignancy"), default=False)

    class Meta:
        ordering = ["observed_on", "pk"]
        verbose_name = _("late effect")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.observed_on:%Y-%m-%d}"

    @property
    def detail_items(self) -> list[tuple[str, str]]:

        """The raw details as the page shows them: each with its label, yes/no and grades in words."""
        items = []
        for name, value in self.details.items():
            if isinstance(value, bool):
                value = gettext("yes") if value else gettext("no")
            elif name == "severity":
                value = gettext("grade %(grade)s") % {"grade": value}
            items.append((str(DETAIL_LABELS.get(name, name)), str(value)))
        return items


class Death(Recorded):
    class Cause(models.TextChoices):
        PROGRESSION = "progression", _("relapse or progression")
        NON_RELAPSE = "non_relapse", _("non-relapse mortality")

    class Toxicity(models.TextChoices):
        CRS = "crs", _("cytokine release syndrome")
        ICANS = "icans", _("neurotoxicity (ICANS)")
        INFECTION = "infection", _("infection")
        CYTOPENIA = "cytopenia", _("prolonged cytopenia (ICAHT)")
        SECOND_MALIGNANCY = "second_malignancy", _("second malignancy")
        HLH = "hlh", _("HLH / macrophage activation")
        OTHER = "other", _("other cause")

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="death")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="+")
    died_on = models.DateField(_("date of death"))
    cause = models.CharField(_("cause"), max_length=20, choices=Cause.choices)
    toxicity = models.CharField(_("non-relapse cause"), max_length=20, choices=Toxicity.choices, blank=True)
    detail = models.CharField(_("details"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("death")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.died_on:%Y-%m-%d} ({self.get_cause_display()})"


class Call(models.Model):
    """A coordinator's call: planned by the schedule (``due``) or made when needed; ``answers`` as asked."""

    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("call", "planned")
        DONE = "done", pgettext_lazy("call", "done")
        NO_ANSWER = "no_answer", _("no answer")
        # A planned call a later call made unnecessary: the coordinator calls today, not every day missed.
        SUPERSEDED = "superseded", _("superseded by a later call")
        CANCELLED = "cancelled", _("cancelled")

    plan = models.ForeignKey(FollowUpPlan, on_delete=models.PROTECT, related_name="calls")
    due = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    made_at = models.DateTimeField(_("called at"), null=True, blank=True)
    caller = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    escalation = models.JSONField(_("needs a physician"), default=list, blank=True)  # reason codes
    advice = models.JSONField(default=list, blank=True)  # what the coordinator addressed (reason codes)
    escalated = models.BooleanField(default=False)
    acknowledged_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due", "made_at", "pk"]
        # calls_due: a plan's planned calls up to today (the worklist lists the latest), without a scan per row.
        indexes = [models.Index(fields=["status", "due", "id"], name="call_open_due"),  # the calls due, in order
                   models.Index(fields=["plan", "status", "due"], name="call_plan_open_due"),
                   # The calls waiting for a physician, in the order they were made: a few rows, whatever the size.
                   models.Index(fields=["made_at"], condition=models.Q(escalated=True, acknowledged_at__isnull=True),
                                name="call_escalated_open")]
        verbose_name = _("coordinator call")

    def __str__(self) -> str:
        when = self.made_at.date() if self.made_at else self.due
        return f"{self._meta.verbose_name} {when:%Y-%m-%d} ({self.get_status_display()})"

    @property
    def escalation_texts(self) -> list[str]:
        return [gettext(calls.REASON_TEXT[code]) for code in self.escalation if code in calls.REASON_TEXT]

    @property
    def advice_texts(self) -> list[str]:
        return [gettext(calls.REASON_TEXT[code]) for code in self.advice if code in calls.REASON_TEXT]
