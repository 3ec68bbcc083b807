"""What is observed and given from lymphodepletion to D30 and beyond: vital signs, neurological
assessments, laboratory values, grades (proposed and confirmed), interventions, ICU stays, alerts,
adverse events, and the pre-infusion neurology checklist."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cellrelay import formats
from cellrelay.pathway.models import Episode

USER = settings.AUTH_USER_MODEL


def bounded(low, high):
    return [MinValueValidator(low), MaxValueValidator(high)]


class Hypotension(models.TextChoices):
    NONE = "none", _("None")
    NO_VASOPRESSOR = "no_vasopressor", _("Not requiring vasopressors")
    ONE_VASOPRESSOR = "one_vasopressor", _("One vasopressor (with or without vasopressin)")
    MULTIPLE_VASOPRESSORS = "multiple_vasopressors", _("Several vasopressors")


class Oxygen(models.TextChoices):
    NONE = "none", _("Room air")
    BLOW_BY = "blow_by", _("Blow-by")
    LOW_FLOW = "low_flow", _("Low-flow nasal cannula (≤ 6 L/min)")
    HIGH_FLOW = "high_flow", _("High-flow nasal cannula (> 6 L/min)")
    FACEMASK = "facemask", _("Facemask")
    NON_REBREATHER = "non_rebreather", _("Non-rebreather mask")
    VENTURI = "venturi", _("Venturi mask")
    POSITIVE_PRESSURE = "positive_pressure", _("Positive pressure (CPAP, BiPAP, ventilation)")


class VitalSigns(models.Model):
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="vital_signs")
    taken_at = models.DateTimeField(_("taken at"))
    temperature_c = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1, validators=bounded(30, 45))
    heart_rate = models.PositiveSmallIntegerField(_("heart rate (/min)"), null=True, blank=True,
                                                  validators=bounded(20, 250))
    systolic = models.PositiveSmallIntegerField(_("systolic BP (mmHg)"), null=True, blank=True,
                                                validators=bounded(30, 260))
    diastolic = models.PositiveSmallIntegerField(_("diastolic BP (mmHg)"), null=True, blank=True,
                                                 validators=bounded(10, 180))
    spo2 = models.PositiveSmallIntegerField(_("SpO2 (%)"), null=True, blank=True, validators=bounded(40, 100))
    oxygen = models.CharField(_("oxygen"), max_length=20, choices=Oxygen.choices, default=Oxygen.NONE)
    oxygen_flow_l_min = models.DecimalField(_("oxygen flow (L/min)"), max_digits=3, decimal_places=1, null=True,
                                            blank=True, validators=bounded(0, 80))
    hypotension = models.CharField(_("hypotension"), max_length=30, choices=Hypotension.choices,
                                   default=Hypotension.NONE)
    antipyretic_given = models.BooleanField(_("antipyretic given"), default=False)
    # None: observed before the infusion, when there is no CRS to grade (grading.crs_grade).
    crs_proposed = models.PositiveSmallIntegerField(_("proposed CRS grade"), null=True, blank=True)
    crs_reasons = models.JSONField(default=list)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["taken_at", "pk"]
        # The worklist's grades to confirm start from the few proposed grades ≥ 2, not from every record (issue #14).
        indexes = [models.Index(fields=["crs_proposed"], condition=models.Q(crs_proposed__gte=2),
                                name="vitals_crs_to_confirm")]
        verbose_name = _("vital signs")

    def __str__(self) -> str:
        return f"{capfirst(self._meta.verbose_name)} {formats.moment(self.taken_at)} — {self.episode.patient}"


class NeuroAssessment(models.Model):
    """ICE (adults and older children) or CAPD (younger children), with the other ICANS domains."""

    class Consciousness(models.TextChoices):
        NORMAL = "normal", _("Normal")
        SPONTANEOUS = "awakens_spontaneously", _("Awakens spontaneously")
        VOICE = "awakens_to_voice", _("Awakens to voice")
        TOUCH = "awakens_to_touch", _("Awakens only to touch")
        UNAROUSABLE = "unarousable", _("Unarousable")

    class Seizure(models.TextChoices):
        NONE = "none", _("None")
        RAPIDLY_RESOLVING = "rapidly_resolving", _("Seizure resolving rapidly")
        PROLONGED = "prolonged_or_repetitive", _("Prolonged (> 5 min) or repetitive")

    class Edema(models.TextChoices):
        NONE = "none", _("None")
        FOCAL = "focal", _("Focal oedema on imaging")
        DIFFUSE = "diffuse", _("Diffuse oedema, posturing, papilloedema or Cushing's triad")

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="neuro_assessments")
    assessed_at = models.DateTimeField(_("assessed at"))
    ice_items = models.JSONField(_("ICE items"), null=True, blank=True)
    capd_items = models.JSONField(_("CAPD items"), null=True, blank=True)
    ice_score = models.PositiveSmallIntegerField(_("ICE score"), null=True, blank=True)
    capd_score = models.PositiveSmallIntegerField(_("CAPD score"), null=True, blank=True)
    consciousness = models.CharField(_("level of consciousness"), max_length=30, choices=Consciousness.choices)
    consciousness_due_to_sedation = models.BooleanField(_("depressed consciousness due to sedation"), default=False)
    seizure = models.CharField(_("seizure"), max_length=30, choices=Seizure.choices, default=Seizure.NONE)
    motor_weakness = models.BooleanField(_("deep focal motor weakness"), default=False)
    cerebral_edema = models.CharField(_("raised intracranial pressure / oedema"), max_length=20,
                                      choices=Edema.choices, default=Edema.NONE)
    aphasia_global = models.BooleanField(_("awake with global aphasia"), default=False)
    tremor = models.BooleanField(_("tremor or myoclonus (CTCAE, not ICANS)"), default=False)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    # None: assessed before the infusion, when there is no ICANS to grade (grading.icans_grade).
    icans_proposed = models.PositiveSmallIntegerField(_("proposed ICANS grade"), null=True, blank=True)
    icans_reasons = models.JSONField(default=list)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["assessed_at", "pk"]
        indexes = [models.Index(fields=["icans_proposed"], condition=models.Q(icans_proposed__gte=2),
                                name="neuro_icans_to_confirm")]
        verbose_name = _("neurological assessment")

    def __str__(self) -> str:
        return f"{capfirst(self._meta.verbose_name)} {formats.moment(self.assessed_at)} — {self.episode.patient}"


class LabResult(models.Model):
    """Units as French laboratories report them; the scores convert where their formula needs it."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="lab_results")
    sampled_at = models.DateTimeField(_("sampled at"))
    crp_mg_l = models.DecimalField(_("CRP (mg/L)"), max_digits=6, decimal_places=1, null=True, blank=True,
                                   validators=bounded(0, 1000))
    ferritin_ng_ml = models.DecimalField(_("ferritin (ng/mL)"), max_digits=7, decimal_places=0, null=True,
                                         blank=True, validators=bounded(0, 500000))
    anc_g_l = models.DecimalField(_("neutrophils (G/L)"), max_digits=5, decimal_places=2, null=True, blank=True,
                                  validators=bounded(0, 200))
    haemoglobin_g_dl = models.DecimalField(_("haemoglobin (g/dL)"), max_digits=4, decimal_places=1, null=True,
                                           blank=True, validators=bounded(0, 25))
    platelets_g_l = models.DecimalField(_("platelets (G/L)"), max_digits=5, decimal_places=0, null=True, blank=True,
                                        validators=bounded(0, 2000))
    fibrinogen_g_l = models.DecimalField(_("fibrinogen (g/L)"), max_digits=4, decimal_places=2, null=True,
                                         blank=True, validators=bounded(0, 20))
    ldh_u_l = models.DecimalField(_("LDH (U/L)"), max_digits=6, decimal_places=0, null=True, blank=True,
                                  validators=bounded(0, 100000))
    creatinine_umol_l = models.DecimalField(_("creatinine (µmol/L)"), max_digits=5, decimal_places=0, null=True,
                                            blank=True, validators=bounded(0, 3000))
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sampled_at", "pk"]
        verbose_name = _("laboratory results")

    def __str__(self) -> str:
        return f"{capfirst(self._meta.verbose_name)} {formats.moment(self.sampled_at)} — {self.episode.patient}"


class GradeRecord(models.Model):
    """A physician's confirmation (or override, with a reason) of a proposed grade."""

    class Scale(models.TextChoices):
        CRS = "crs", _("CRS")
        ICANS = "icans", _("ICANS")

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="grades")
    scale = models.CharField(_("scale"), max_length=10, choices=Scale.choices)
    observed_at = models.DateTimeField(_("observed at"))
    vital_signs = models.OneToOneField(VitalSigns, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="grade")
    neuro_assessment = models.OneToOneField(NeuroAssessment, on_delete=models.PROTECT, null=True, blank=True,
                                            related_name="grade")
    proposed = models.PositiveSmallIntegerField(_("proposed grade"))
    confirmed = models.PositiveSmallIntegerField(_("confirmed grade"), validators=[MaxValueValidator(5)])
    override_reason = models.CharField(_("reason for a different grade"), max_length=500, blank=True)
    confirmed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["observed_at", "pk"]
        verbose_name = _("confirmed grade")

    def __str__(self) -> str:
        return _("%(scale)s grade %(grade)s confirmed — %(patient)s, %(at)s") % {
            "scale": self.get_scale_display(), "grade": self.confirmed, "patient": self.episode.patient,
            "at": formats.moment(self.observed_at)}


class Intervention(models.Model):
    class Kind(models.TextChoices):
        TOCILIZUMAB = "tocilizumab", _("Tocilizumab")
        CORTICOSTEROID = "corticosteroid", _("Corticosteroid")
        ANAKINRA = "anakinra", _("Anakinra")
        OTHER = "other", _("Other")

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="interventions")
    kind = models.CharField(_("treatment"), max_length=20, choices=Kind.choices)
    drug = models.CharField(_("drug"), max_length=100, blank=True)
    dose_mg = models.DecimalField(_("dose (mg)"), max_digits=6, decimal_places=1, validators=bounded(0, 5000))
    route = models.CharField(_("route"), max_length=20, default="IV")
    given_at = models.DateTimeField(_("given at"))
    given_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("given by"))
    warnings = models.JSONField(default=list, blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["given_at", "pk"]
        verbose_name = _("intervention")

    @property
    def is_anti_cytokine(self) -> bool:
        """Tocilizumab, corticosteroids and anakinra: after them, fever is no longer required for CRS."""
        return self.kind != self.Kind.OTHER

    def __str__(self) -> str:
        drug = f"{self.get_kind_display()} {self.drug}".strip()
        return f"{drug} {number_format(self.dose_mg)} mg — {self.episode.patient}, {formats.moment(self.given_at)}"


class IcuStay(models.Model):
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="icu_stays")
    admitted_at = models.DateTimeField(_("transferred to ICU"))
    reason = models.CharField(_("reason"), max_length=500)
    discharged_at = models.DateTimeField(_("returned from ICU"), null=True, blank=True)
    discharge_note = models.CharField(_("return note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["admitted_at"]
        verbose_name = _("ICU stay")

    def __str__(self) -> str:
        return f"{capfirst(self._meta.verbose_name)} {formats.moment(self.admitted_at)} — {self.episode.patient}"


class AlertedTeam(models.TextChoices):
    """The teams a grade ≥ 2 alerts; each acknowledges for itself."""

    ICU = "icu", _("Intensive care")
    NEUROLOGY = "neurology", _("Neurology")


class Alert(models.Model):
    """CRS or ICANS grade ≥ 2: the ICU and the neurology teams each see it on their worklist until
    that team acknowledges it (``AlertAcknowledgement``)."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="alerts")
    scale = models.CharField(max_length=10, choices=GradeRecord.Scale.choices)
    grade = models.PositiveSmallIntegerField()
    raised_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return _("Alert: %(scale)s grade %(grade)s — %(patient)s, %(at)s") % {
            "scale": self.get_scale_display(), "grade": self.grade, "patient": self.episode.patient,
            "at": formats.moment(self.raised_at)}


class AlertAcknowledgement(models.Model):
    """One team has seen the alert: who, for which team, when."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="acknowledgements")
    team = models.CharField(_("team"), max_length=20, choices=AlertedTeam.choices)
    acknowledged_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["acknowledged_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["alert", "team"], name="one_acknowledgement_per_team")]
        verbose_name = _("alert acknowledgement")

    def __str__(self) -> str:
        return f"{self.alert.get_scale_display()} {self.alert.grade} — {self.get_team_display()}"


class AdverseEvent(models.Model):
    class Relation(models.TextChoices):
        UNRELATED = "unrelated", _("Unrelated")
        UNLIKELY = "unlikely", _("Unlikely")
        POSSIBLE = "possible", _("Possible")
        PROBABLE = "probable", _("Probable")
        DEFINITE = "definite", _("Definite")

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="adverse_events")
    term = models.CharField(_("event (CTCAE term)"), max_length=200)
    ctcae_grade = models.PositiveSmallIntegerField(_("CTCAE grade"), validators=bounded(1, 5))
    onset = models.DateField(_("onset"))
    resolution = models.DateField(_("resolution"), null=True, blank=True)
    relation = models.CharField(_("relation to the product"), max_length=20, choices=Relation.choices)
    serious = models.BooleanField(_("serious"), default=False)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["onset", "pk"]
        verbose_name = _("adverse event")

    def __str__(self) -> str:
        return _("%(term)s (CTCAE grade %(grade)s) — %(patient)s, %(day)s") % {
            "term": self.term, "grade": self.ctcae_grade, "patient": self.episode.patient,
            "day": formats.day(self.onset)}


class NeuroChecklist(models.Model):
    """Before infusion: neurology consultation, brain MRI, EEG (pathway.md), or a physician's waiver."""

    episode = models.OneToOneField(Episode, on_delete=models.PROTECT, related_name="neuro_checklist")
    consultation_on = models.DateField(_("neurology consultation"), null=True, blank=True)
    mri_on = models.DateField(_("brain MRI"), null=True, blank=True)
    eeg_on = models.DateField(_("EEG"), null=True, blank=True)
    waiver_reason = models.CharField(_("reason for going ahead without it"), max_length=500, blank=True)
    waived_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    waived_at = models.DateTimeField(null=True, blank=True)

    ITEMS = ("consultation_on", "mri_on", "eeg_on")

    def missing(self) -> list[str]:
        return [name for name in self.ITEMS if getattr(self, name) is None]

    @property
    def complete_or_waived(self) -> bool:
        return not self.missing() or self.waived_by_id is not None

    def __str__(self) -> str:
        return _("Pre-infusion neurology checklist — %(patient)s") % {"patient": self.episode.patient}
