"""Centers, units, staff and their roles, training records, API tokens."""

from datetime import timedelta
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .permissions import Role


class Center(models.Model):
    """A hospital: a treating center qualified for CAR-T, or a referring hospital."""

    class Kind(models.TextChoices):
        TREATING = "treating", _("Treating center (CAR-T qualified)")
        REFERRING = "referring", _("Referring hospital")

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=40)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    city = models.CharField(_("city"), max_length=100, blank=True)
    # ISBT 128 Facility Identification Number, when the center has one (identifiers.md).
    facility_id = models.CharField(_("ISBT 128 facility identification number"), max_length=5, blank=True)
    # followup.md: the patient alert card gives the treating center's 24-hour phone number.
    emergency_phone = models.CharField(_("24-hour phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("center")

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A team's place inside a center (apheresis, pharmacy — PUI, transplant unit, ICU, neurology)."""

    class Kind(models.TextChoices):
        APHERESIS = "apheresis", _("Apheresis unit")
        PHARMACY = "pharmacy", _("Pharmacy (PUI)")
        TRANSPLANT = "transplant", _("Transplant unit")
        ICU = "icu", _("Intensive care unit")
        NEUROLOGY = "neurology", _("Neurology")
        HAEMATOLOGY = "haematology", _("Haematology")

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="units")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["center", "kind"]
        verbose_name = _("unit")

    def __str__(self) -> str:
        return f"{self.name} ({self.center.short_name})"


class User(AbstractUser):
    """A staff member. Roles come from memberships, one per center."""

    def membership_roles(self) -> list[str]:
        return [m.role for m in self.memberships.all()]


class Membership(models.Model):
    """A user's role at a center."""

    ROLE_LABELS = {
        Role.COORDINATOR: _("Coordinating nurse"),
        Role.HAEMATOLOGIST: _("Haematologist"),
        Role.PHARMACIST: _("Pharmacist"),
        Role.APHERESIS_NURSE: _("Apheresis nurse"),
        Role.WARD_NURSE: _("Ward nurse"),
        Role.ICU_PHYSICIAN: _("ICU physician"),
        Role.NEUROLOGIST: _("Neurologist"),
        Role.RESEARCH_ASSISTANT: _("Clinical research assistant"),
        Role.REFERRING_PHYSICIAN: _("Referring physician"),
        Role.PROGRAM_MANAGER: _("Program manager"),
        Role.ADMINISTRATOR: _("Administrator"),
        Role.MANUFACTURER: _("Manufacturer's system"),
        Role.TANK_PROBE: _("Tank probe"),
    }

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships")
    role = models.CharField(_("role"), max_length=30, choices=[(r.value, label) for r, label in ROLE_LABELS.items()])
    # A manufacturer's system sees the products whose manufacturer is this name, at this center only.
    manufacturer = models.CharField(_("manufacturer"), max_length=100, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "center"], name="one_role_per_user_and_center")]
        verbose_name = _("membership")

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} @ {self.center.short_name}"


class TrainingRecord(models.Model):
    """A staff member's training or competency (FACT-JACIE B3: personnel and training)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_records")
    topic = models.CharField(_("training"), max_length=200)
    completed_on = models.DateField(_("completed on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    reference = models.CharField(_("SOP or certificate reference"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user", "-completed_on"]
        verbose_name = _("training record")

    def __str__(self) -> str:
        return f"{self.topic} — {self.user.get_full_name() or self.user.username}"

    def is_expired(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.expires_on is not None and self.expires_on < today


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_expiry():
    """When a token issued or renewed now expires (CELLRELAY_TOKEN_DAYS, default 90)."""
    return timezone.now() + timedelta(days=settings.CELLRELAY_TOKEN_DAYS)


class ApiToken(models.Model):
    """A personal bearer token. Only its SHA-256 is stored; the token itself is shown once."""

    PREFIX = "cr_"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), default=token_expiry)

    class Meta:
        ordering = ["-created_at"]

    @classmethod
    def new_raw_token(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())

    def __str__(self) -> str:
        return _("API token “%(name)s” of %(user)s") % {"name": self.name, "user": self.user}
