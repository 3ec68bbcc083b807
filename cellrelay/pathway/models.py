"""Protocol templates, treatment episodes and their milestones."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cellrelay import formats
from cellrelay.patients.models import Patient

from . import protocols, schedule
from .codes import day_label, localize_code
from .states import ORDER, State, StopReason

PRODUCT_CHOICES = [(code, _(label)) for code, label in protocols.PRODUCTS.items()]
INDICATION_CHOICES = [(code, _(label)) for code, label in protocols.INDICATIONS.items()]


class ProtocolTemplate(models.Model):
    """One product for one indication: lymphodepletion, timing and pharmacy rules (products.md).

    ``ld_days`` is a list of {"day": -5, "drugs": [{"drug": "fludarabine", "dose_mg_m2": 30}]}.
    """

    product = models.CharField(_("product"), max_length=20, choices=PRODUCT_CHOICES)
    indication = models.CharField(_("indication"), max_length=20, choices=INDICATION_CHOICES)
    ld_days = models.JSONField(_("lymphodepletion days"))
    infusion_window_min = models.SmallIntegerField(_("infusion at the earliest (days after LD)"), null=True, blank=True)
    infusion_window_max = models.SmallIntegerField(_("infusion at the latest (days after LD)"), null=True, blank=True)
    manufacturing_days = models.PositiveSmallIntegerField(
        _("manufacturing lead time (days)"), validators=[MinValueValidator(1), MaxValueValidator(120)])
    admission_day = models.SmallIntegerField(_("admission day (relative to D0)"),
                                             validators=[MinValueValidator(-30), MaxValueValidator(-1)])
    discharge_day = models.SmallIntegerField(_("planned discharge day"),
                                             validators=[MinValueValidator(1), MaxValueValidator(90)])
    proximity_days = models.PositiveSmallIntegerField(_("stay near the center (days after D0)"),
                                                      validators=[MaxValueValidator(180)])
    no_driving_days = models.PositiveSmallIntegerField(_("no driving (days after D0)"), default=56,
                                                       validators=[MaxValueValidator(180)])
    tocilizumab_doses = models.PositiveSmallIntegerField(_("tocilizumab doses reserved before infusion"),
                                                         validators=[MinValueValidator(1), MaxValueValidator(4)])
    thaw_limit_minutes = models.PositiveSmallIntegerField(_("thaw to end of infusion (minutes)"), null=True, blank=True)
    storage_max_c = models.SmallIntegerField(_("storage at or below (°C)"), null=True, blank=True)
    follow_up = models.CharField(
        _("follow-up timepoints"), max_length=200, default=" ".join(protocols.FIFTEEN_YEAR_FOLLOW_UP),
        help_text=_("Days (D), months (M) or years (Y) after D0, planned at the infusion. The 15-year track: D7 D14 "
                    "D28 D100 M6 M12, then every year from Y2 to Y15. The standard track: D100 M6 M12, every year "
                    "from Y2 to Y6, then Y8 Y10 Y12 Y14."))
    source = models.CharField(_("source"), max_length=250)
    unverified = models.CharField(_("values still to verify"), max_length=250, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "indication"], name="one_template_per_indication")]
        ordering = ["product", "indication"]
        verbose_name = _("protocol template")

    def __str__(self) -> str:
        return f"{self.get_product_display()} — {self.get_indication_display()}"

    def timepoints(self) -> tuple[str, ...]:
        """The follow-up visits planned at the infusion, in date order (D7, D14… Y15)."""
        return schedule.parse_timepoints(self.follow_up)

    def as_protocol(self) -> protocols.Protocol:
        return protocols.Protocol(
            product=self.product, indication=self.indication,
            ld_days=tuple((d["day"], tuple((x["drug"], x["dose_mg_m2"]) for x in d["drugs"])) for d in self.ld_days),
            infusion_window=(self.infusion_window_min, self.infusion_window_max)
            if self.infusion_window_min is not None else None,
            manufacturing_days=self.manufacturing_days, admission_day=self.admission_day,
            discharge_day=self.discharge_day, proximity_days=self.proximity_days,
            no_driving_days=self.no_driving_days,
            tocilizumab_doses=self.tocilizumab_doses, thaw_limit_minutes=self.thaw_limit_minutes,
            storage_max_c=self.storage_max_c, source=self.source, unverified=self.unverified,
        )


class ProtocolTemplateEdit(models.Model):
    """Labels change: each edit of a template keeps its date, author, source and what changed."""

    template = models.ForeignKey(ProtocolTemplate, on_delete=models.PROTECT, related_name="edits")
    edited_at = models.DateTimeField(default=timezone.now)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source of the change"), max_length=250)
    before = models.JSONField()
    after = models.JSONField()

    class Meta:
        ordering = ["-edited_at"]

    def __str__(self) -> str:
        return _("Edit of %(template)s, %(at)s") % {"template": self.template, "at": formats.moment(self.edited_at)}


class Episode(models.Model):
    """One treatment: from the approving RCP decision to closure, or a recorded stop."""

    STATE_LABELS = {
        State.REFERRED: _("Referred"), State.APPROVED: _("Approved"),
        State.APHERESIS_SCHEDULED: _("Apheresis scheduled"), State.COLLECTED: _("Cells collected"),
        State.MANUFACTURING: _("Manufacturing"), State.PRODUCT_RECEIVED: _("Product received"),
        State.ADMITTED: _("Admitted"), State.LYMPHODEPLETION: _("Lymphodepletion"), State.INFUSED: _("Infused"),
        State.ACUTE_MONITORING: _("Acute monitoring"), State.DISCHARGED: _("Discharged"),
        State.LONG_TERM_FOLLOW_UP: _("Long-term follow-up"), State.CLOSED: _("Closed"), State.STOPPED: _("Stopped"),
    }
    STOP_LABELS = {
        StopReason.PROGRESSION: _("Disease progression"), StopReason.DEATH: _("Death"),
        StopReason.MANUFACTURING_FAILURE: _("Manufacturing failure"),
        StopReason.PATIENT_CHOICE: _("Patient's choice"), StopReason.OTHER: _("Other"),
    }

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    decision = models.OneToOneField("referrals.MdtDecision", on_delete=models.PROTECT, related_name="episode")
    template = models.ForeignKey(ProtocolTemplate, on_delete=models.PROTECT, related_name="episodes")
    state = models.CharField(_("state"), max_length=30, choices=list(STATE_LABELS.items()), default=State.APPROVED)
    stop_reason = models.CharField(_("reason for stopping"), max_length=30, choices=list(STOP_LABELS.items()),
                                   blank=True)
    stop_note = models.CharField(_("details"), max_length=500, blank=True)
    stopped_on = models.DateField(_("stopped on"), null=True, blank=True)
    stopped_from = models.CharField(max_length=30, choices=list(STATE_LABELS.items()), blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    # Optimistic lock: a change based on an older view of the episode is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["state"])]
        verbose_name = _("treatment episode")

    def __str__(self) -> str:
        return f"{self.patient} — {self.template.get_product_display()}"

    @property
    def is_open(self) -> bool:
        return self.state not in (State.CLOSED, State.STOPPED)

    @property
    def product(self) -> str:
        return self.template.product

    def state_index(self) -> int:
        return ORDER.index(State(self.state)) if self.state in ORDER else -1


class Milestone(models.Model):
    """A step of the plan: planned date, actual date, status. ``sequence`` is the plan's order."""

    KIND_LABELS = {
        schedule.Kind.APHERESIS: _("Apheresis"), schedule.Kind.PRODUCT_RECEIPT: _("Product receipt"),
        schedule.Kind.ADMISSION: _("Admission"), schedule.Kind.LYMPHODEPLETION: _("Lymphodepletion"),
        schedule.Kind.REST: _("Rest day"), schedule.Kind.INFUSION: _("Infusion (D0)"),
        schedule.Kind.ASSESSMENT: _("Assessment"), schedule.Kind.DISCHARGE: _("Discharge"),
        schedule.Kind.PROXIMITY_END: _("End of stay near the center"),
        schedule.Kind.NO_DRIVING_END: _("End of the no-driving period"), schedule.Kind.FOLLOW_UP: _("Follow-up visit"),
    }

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="milestones")
    kind = models.CharField(_("step"), max_length=20, choices=list(KIND_LABELS.items()))
    code = models.CharField(max_length=8)
    sequence = models.PositiveSmallIntegerField()
    day = models.SmallIntegerField(_("day relative to D0"))
    planned = models.DateField(_("planned"))
    actual = models.DateField(_("done on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    drugs = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["episode", "sequence"]
        constraints = [models.UniqueConstraint(fields=["episode", "code"], name="milestone_code_unique_in_episode")]
        # The worklist's sections (pathway/worklist.py): by date, and for a team of one kind of step (the apheresis,
        # the pharmacy's receipt) by kind then date, so that its section reads its own steps, not the whole window's.
        # Then by id, the sections' order within a day: PostgreSQL then stops at a section's LIMIT instead of reading
        # and sorting every step of its first day (SQLite's index ends with the rowid anyway).
        indexes = [models.Index(fields=["status", "planned", "id"]),
                   models.Index(fields=["status", "kind", "planned", "id"])]
        verbose_name = _("milestone")

    def __str__(self) -> str:
        return f"{self.label} — {self.episode.patient}"

    # Steps whose completion moves the episode to its next state (recorded with that move).
    STATE_STEP_KINDS = (schedule.Kind.APHERESIS, schedule.Kind.PRODUCT_RECEIPT, schedule.Kind.ADMISSION,
                        schedule.Kind.INFUSION, schedule.Kind.DISCHARGE)
    FIRST_LD = "LD1"

    @property
    def moves_episode(self) -> bool:
        return self.kind in self.STATE_STEP_KINDS or self.code == self.FIRST_LD

    @property
    def display_code(self) -> str:
        return localize_code(self.code, get_language())

    @property
    def display_day(self) -> str:
        return day_label(self.day, get_language())

    @property
    def label(self) -> str:
        if self.kind in (schedule.Kind.LYMPHODEPLETION, schedule.Kind.REST, schedule.Kind.ASSESSMENT,
                         schedule.Kind.FOLLOW_UP):
            return f"{self.get_kind_display()} {self.display_code}"
        return str(self.get_kind_display())


class StateChange(models.Model):
    """When the episode entered each state, and who moved it: the basis of the key delays."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="state_changes")
    from_state = models.CharField(max_length=30, blank=True)
    to_state = models.CharField(max_length=30)
    on = models.DateField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        to_state = Episode.STATE_LABELS.get(self.to_state, self.to_state)
        if self.from_state:
            to_state = f"{Episode.STATE_LABELS.get(self.from_state, self.from_state)} → {to_state}"
        return f"{self.episode}: {to_state}, {formats.day(self.on)}"
