"""The pharmacy's room: drugs reserved for one patient's episode (tocilizumab before infusion), and the
cryostorage (tank → rack → box → position, readings and alarms)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cellrelay import formats
from cellrelay.pathway.models import Episode


class DrugReserve(models.Model):
    """Doses set aside for one episode; each dose given is counted against it."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="drug_reserves")
    drug = models.CharField(_("drug"), max_length=50)
    reserved_doses = models.PositiveSmallIntegerField(_("doses reserved"))
    used_doses = models.PositiveSmallIntegerField(_("doses used"), default=0)
    reserved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reserved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["episode", "drug"], name="one_reserve_per_drug_and_episode")]

    @property
    def remaining(self) -> int:
        return max(self.reserved_doses - self.used_doses, 0)

    def __str__(self) -> str:
        return _("%(drug)s for %(episode)s: %(used)s of %(reserved)s dose(s) used") % {
            "drug": self.drug, "episode": self.episode, "used": self.used_doses, "reserved": self.reserved_doses}


# Cryostorage (*stockage en azote liquide*) ---------------------------------------------------------------

class Tank(models.Model):
    """A liquid-nitrogen tank (*cuve*) of the pharmacy, with the thresholds that raise an alarm."""

    center = models.ForeignKey("organisation.Center", on_delete=models.PROTECT, related_name="tanks")
    name = models.CharField(_("name"), max_length=40)
    ln2_min_level_percent = models.DecimalField(_("lowest LN2 level (%)"), max_digits=4, decimal_places=1,
                                                default=Decimal("20"),
                                                validators=[MinValueValidator(0), MaxValueValidator(100)])
    max_temperature_c = models.DecimalField(_("highest temperature (°C)"), max_digits=5, decimal_places=1,
                                            default=Decimal("-150"))

    class Meta:
        ordering = ["center", "name"]
        constraints = [models.UniqueConstraint(fields=["center", "name"], name="tank_name_unique_in_center")]
        verbose_name = _("tank")

    def __str__(self) -> str:
        return self.name


class Rack(models.Model):
    """A rack (*canne*, *rack*) in a tank."""

    tank = models.ForeignKey(Tank, on_delete=models.PROTECT, related_name="racks")
    label = models.CharField(_("label"), max_length=20)

    class Meta:
        ordering = ["tank", "label"]
        constraints = [models.UniqueConstraint(fields=["tank", "label"], name="rack_label_unique_in_tank")]
        verbose_name = _("rack")

    def __str__(self) -> str:
        return f"{self.tank}/{self.label}"


class Box(models.Model):
    """A box (*boîte*) in a rack."""

    rack = models.ForeignKey(Rack, on_delete=models.PROTECT, related_name="boxes")
    label = models.CharField(_("label"), max_length=20)

    class Meta:
        ordering = ["rack", "label"]
        constraints = [models.UniqueConstraint(fields=["rack", "label"], name="box_label_unique_in_rack")]
        verbose_name = _("box")
        verbose_name_plural = _("boxes")

    def __str__(self) -> str:
        return f"{self.rack}/{self.label}"


class Position(models.Model):
    """A place in a box. It holds at most one bag and a bag is in at most one position: the database says so
    (one ``bag`` column per position, unique). Changes go through ``services/storage.py``."""

    box = models.ForeignKey(Box, on_delete=models.PROTECT, related_name="positions")
    label = models.CharField(_("label"), max_length=10)
    bag = models.OneToOneField("products.Bag", on_delete=models.PROTECT, related_name="position", null=True,
                               blank=True, verbose_name=_("bag"))

    class Meta:
        ordering = ["box", "label"]
        constraints = [models.UniqueConstraint(fields=["box", "label"], name="position_label_unique_in_box")]
        verbose_name = _("storage position")

    def __str__(self) -> str:
        """``Tank/Rack/Box/Position``: the place a custody event records."""
        return f"{self.box}/{self.label}"


class TankReading(models.Model):
    """The LN2 level and temperature of a tank, typed by staff or posted by a probe (no user then)."""

    class Source(models.TextChoices):
        TYPED = "typed", _("Typed")
        PROBE = "probe", _("Probe")

    tank = models.ForeignKey(Tank, on_delete=models.PROTECT, related_name="readings")
    at = models.DateTimeField(_("at"), default=timezone.now)
    ln2_level_percent = models.DecimalField(_("LN2 level (%)"), max_digits=4, decimal_places=1,
                                            validators=[MinValueValidator(0), MaxValueValidator(100)])
    temperature_c = models.DecimalField(_("temperature (°C)"), max_digits=5, decimal_places=1)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    null=True, blank=True, verbose_name=_("recorded by"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["tank", "at"])]
        verbose_name = _("tank reading")

    def __str__(self) -> str:
        """Tank reading 04 Dec 2026 14:00, Cuve 1: LN2 62.0 %, -190.0 °C."""
        return (f"{capfirst(self._meta.verbose_name)} {formats.moment(self.at)}, {self.tank}: "
                f"LN2 {number_format(self.ln2_level_percent)} %, {number_format(self.temperature_c)} °C")


class StorageAlarm(models.Model):
    """A reading beyond a tank's threshold; open until someone acknowledges it."""

    class Kind(models.TextChoices):
        LEVEL = "level", _("LN2 level too low")
        TEMPERATURE = "temperature", _("Temperature too high")

    tank = models.ForeignKey(Tank, on_delete=models.PROTECT, related_name="alarms")
    reading = models.ForeignKey(TankReading, on_delete=models.PROTECT, related_name="alarms")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                        null=True, blank=True, verbose_name=_("acknowledged by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "pk"]
        verbose_name = _("storage alarm")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.tank}, {formats.moment(self.raised_at)}"
