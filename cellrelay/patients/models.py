"""Patients: identity (INS), local identifiers (IPP), measures, home, contacts and consents."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cellrelay.indexed_lookups import Bytewise
from cellrelay.organisation.models import Center

from . import identity

INS_MESSAGES = {
    identity.InsProblem.FORMAT: _("An INS has 15 characters: digits, with 2A or 2B for Corsica."),
    identity.InsProblem.LENGTH: _("An INS has exactly 15 characters (13 for the NIR and 2 for the key)."),
    identity.InsProblem.KEY: _("The INS key (last 2 digits) does not match: check the number."),
    identity.InsProblem.SEX: _("The INS does not match the sex entered (first digit: 1 man, 2 woman)."),
    identity.InsProblem.BIRTH_YEAR: _("The INS does not match the year of birth (digits 2-3)."),
    identity.InsProblem.BIRTH_MONTH: _("The INS does not match the month of birth (digits 4-5)."),
}


def validate_ins(value: str) -> None:
    try:
        identity.normalise_ins(value)
    except identity.InvalidIns as error:
        raise ValidationError(INS_MESSAGES[error.problem], code="invalid_ins") from None


def validate_not_future(value) -> None:
    if value > timezone.localdate():
        raise ValidationError(_("This date is in the future."), code="future_date")


class Patient(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")
        OTHER = "U", _("Other or unknown")

    treating_center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="patients", verbose_name=_("treating center")
    )
    # INS identity traits use the birth name (nom de naissance).
    family_name = models.CharField(_("birth name"), max_length=100)
    given_names = models.CharField(_("given names"), max_length=150)
    birth_date = models.DateField(_("birth date"), validators=[validate_not_future])
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    ins = models.CharField(
        _("INS"),
        max_length=15,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_ins],
        help_text=_("National health identifier: NIR and key, 15 characters."),
        error_messages={"unique": _("A patient with this INS is already registered.")},
    )
    weight_kg = models.DecimalField(
        _("weight (kg)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(identity.WEIGHT_KG_RANGE[0]), MaxValueValidator(identity.WEIGHT_KG_RANGE[1])],
    )
    height_cm = models.DecimalField(
        _("height (cm)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(identity.HEIGHT_CM_RANGE[0]), MaxValueValidator(identity.HEIGHT_CM_RANGE[1])],
    )
    measured_on = models.DateField(_("measured on"), null=True, blank=True, validators=[validate_not_future])
    address = models.CharField(_("address"), max_length=250, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    referring_center = models.ForeignKey(
        Center,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referred_patients",
        verbose_name=_("referring hospital"),
    )
    referring_physician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referred_patients",
        verbose_name=_("referring physician"),
    )
    # What name searches read (identity.search_key), kept by the services: "family given" and "given family", so the
    # start of either name, or both in either order, is one indexed prefix match.
    search_key = models.CharField(max_length=260, default="", editable=False)
    search_key_given_first = models.CharField(max_length=260, default="", editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    # Optimistic lock: an edit made on an older version is refused, never silently lost.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["family_name", "given_names"]
        indexes = [
            models.Index(fields=["family_name", "given_names"]),
            # Compared byte by byte (COLLATE "C" on PostgreSQL; SQLite's GLOB uses the plain index): the index answers
            # LIKE 'abc%' whatever the database's collation, and gives the matches in key order, so that a page of
            # results is the index's next rows (patients/search.py; cellrelay/indexed_lookups.py).
            models.Index(Bytewise("search_key"), F("id"), name="patient_search_key"),
            models.Index(Bytewise("search_key_given_first"), F("id"), name="patient_search_key_given"),
        ]
        verbose_name = _("patient")

    def __str__(self) -> str:
        return f"{self.family_name.upper()} {self.given_names}"

    def refresh_search_keys(self) -> None:
        self.search_key = identity.search_key(self.family_name, self.given_names)
        self.search_key_given_first = identity.search_key(self.given_names, self.family_name)

    def clean(self):
        if self.ins and self.birth_date and self.sex:
            try:
                normalised = identity.normalise_ins(self.ins)
            except identity.InvalidIns:
                return  # the field validator reports it
            problem = identity.ins_identity_problem(normalised, self.sex, self.birth_date)
            if problem:
                raise ValidationError({"ins": INS_MESSAGES[problem]})

    @property
    def ins_display(self) -> str:
        """The INS grouped as printed on the card: 1 64 09 63 328 001 63."""
        return identity.format_ins(self.ins) if self.ins else ""

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    @property
    def body_surface_area_m2(self) -> float | None:
        if self.weight_kg and self.height_cm:
            return round(identity.body_surface_area_m2(self.weight_kg, self.height_cm), 2)
        return None

    def age_on(self, day) -> int:
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


class LocalId(models.Model):
    """A hospital's own patient number (IPP, identifiant permanent du patient)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="local_ids")
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="+", verbose_name=_("center"))
    ipp = models.CharField(_("IPP"), max_length=30)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["center", "ipp"], name="ipp_unique_per_center"),
            models.UniqueConstraint(fields=["patient", "center"], name="one_ipp_per_patient_and_center"),
        ]
        # The search finds a patient by an IPP of any center: the unique constraint leads with the center.
        indexes = [models.Index(fields=["ipp"], name="local_id_ipp")]
        verbose_name = _("local identifier (IPP)")

    def __str__(self) -> str:
        return f"{self.ipp} ({self.center.short_name})"


class Contact(models.Model):
    class Kind(models.TextChoices):
        CAREGIVER = "caregiver", _("Caregiver")
        NEXT_OF_KIN = "next_of_kin", _("Next of kin")
        GENERAL_PRACTITIONER = "gp", _("General practitioner")
        OTHER = "other", _("Other")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="contacts")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    relationship = models.CharField(_("relationship"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40)
    email = models.EmailField(_("email"), blank=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("contact")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Consent(models.Model):
    """One consent decision. Later decisions supersede earlier ones; none is deleted."""

    class Kind(models.TextChoices):
        REGISTRY = "registry", _("Registry reporting")
        DATA_SHARING = "data_sharing", _("Data sharing (EMA, manufacturers)")
        TRIAL = "trial", _("Clinical trial")
        RESEARCH = "research", _("Research use of pseudonymised data")

    class Status(models.TextChoices):
        GIVEN = "given", _("Given")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    kind = models.CharField(_("consent"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    decided_on = models.DateField(_("date"), validators=[validate_not_future])
    notes = models.CharField(_("notes"), max_length=250, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "-decided_on", "-recorded_at"]
        verbose_name = _("consent")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_status_display()} ({self.decided_on})"
