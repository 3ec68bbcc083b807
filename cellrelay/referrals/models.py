"""Referrals and the multidisciplinary meeting (RCP) that decides on them."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cellrelay import formats

from cellrelay.organisation.models import Center
from cellrelay.patients.models import Patient, validate_not_future

from . import therapies

PRODUCT_CHOICES = [(code, _(label)) for code, label in therapies.PRODUCTS.items()]
INDICATION_CHOICES = [(code, _(label)) for code, label in therapies.INDICATIONS.items()]


class Referral(models.Model):
    """A patient sent to the treating center for CAR-T. Its items are also registry items at order time."""

    class Diagnosis(models.TextChoices):
        LBCL = "lbcl", _("Large B-cell lymphoma")
        FL = "fl", _("Follicular lymphoma")
        MCL = "mcl", _("Mantle cell lymphoma")
        B_ALL = "b_all", _("B-cell acute lymphoblastic leukaemia")
        MM = "mm", _("Multiple myeloma")
        SLE = "sle", _("Systemic lupus erythematosus")
        OTHER = "other", _("Other")

    class PriorTransplant(models.TextChoices):
        NONE = "none", _("None")
        AUTOLOGOUS = "autologous", _("Autologous")
        ALLOGENEIC = "allogeneic", _("Allogeneic")
        BOTH = "both", _("Autologous and allogeneic")

    class Status(models.TextChoices):
        REFRACTORY = "refractory", _("Refractory")
        RELAPSED = "relapsed", _("Relapsed")
        PARTIAL_RESPONSE = "partial_response", _("Partial response")
        STABLE = "stable", _("Stable disease")
        ACTIVE_AUTOIMMUNE = "active_autoimmune", _("Active autoimmune disease")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="referrals")
    to_center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="referrals_received",
                                  verbose_name=_("treating center"))
    from_center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="referrals_sent",
                                    verbose_name=_("referring center"))
    from_physician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name=_("referring physician"))
    from_physician_name = models.CharField(_("referring physician (name)"), max_length=150, blank=True)
    received_on = models.DateField(_("received on"), validators=[validate_not_future])
    diagnosis = models.CharField(_("diagnosis"), max_length=20, choices=Diagnosis.choices)
    diagnosis_detail = models.CharField(_("diagnosis details"), max_length=250, blank=True)
    disease_stage = models.CharField(_("disease stage"), max_length=100, blank=True)
    prior_lines = models.PositiveSmallIntegerField(_("prior treatment lines"),
                                                   validators=[MinValueValidator(0), MaxValueValidator(20)])
    prior_transplant = models.CharField(_("prior stem-cell transplant"), max_length=20,
                                        choices=PriorTransplant.choices)
    current_status = models.CharField(_("current status"), max_length=20, choices=Status.choices)
    letter = models.FileField(_("referral letter"), upload_to="referrals/%Y/%m/", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-pk"]
        # The referral list, the latest first: a page is the index's last rows, not a sort of every referral.
        indexes = [models.Index(fields=["received_on", "id"], name="referral_received_order")]
        verbose_name = _("referral")

    def __str__(self) -> str:
        return f"{self.patient} — {self.get_diagnosis_display()} ({self.received_on})"

    @property
    def referring_physician_label(self) -> str:
        if self.from_physician:
            return self.from_physician.get_full_name() or self.from_physician.username
        return self.from_physician_name


class MdtMeeting(models.Model):
    """RCP — réunion de concertation pluridisciplinaire: confirms eligibility, indication and product."""

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="mdt_meetings")
    held_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=150, blank=True)
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mdt_meetings",
                                       verbose_name=_("attendees"))
    external_attendees = models.CharField(_("other attendees"), max_length=500, blank=True)
    agenda = models.ManyToManyField(Referral, blank=True, related_name="meetings", verbose_name=_("agenda"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("RCP meeting")

    def __str__(self) -> str:
        return f"RCP {formats.day(self.held_on)}" + (f" — {self.title}" if self.title else "")


class MdtDecision(models.Model):
    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        DEFERRED = "deferred", _("Deferred")

    meeting = models.ForeignKey(MdtMeeting, on_delete=models.PROTECT, related_name="decisions")
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(_("decision"), max_length=20, choices=Outcome.choices)
    product = models.CharField(_("product"), max_length=20, choices=PRODUCT_CHOICES, blank=True)
    indication = models.CharField(_("indication"), max_length=20, choices=INDICATION_CHOICES, blank=True)
    trial = models.CharField(_("clinical trial"), max_length=150, blank=True)
    bridging_planned = models.BooleanField(_("bridging therapy planned"), default=False)
    bridging_detail = models.CharField(_("bridging therapy"), max_length=250, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    deferred_until = models.DateField(_("deferred until"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "referral"], name="one_decision_per_meeting")]
        ordering = ["meeting__held_on", "pk"]
        verbose_name = _("RCP decision")

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} — {self.referral.patient} ({self.meeting})"
