"""Chain of identity and custody: collections, products, bags, identifiers, shipments, custody events, deviations.

A CAR-T product exists once, for one patient (one episode); every handover of the cells is a verified,
signed, journaled ``CustodyEvent``. Changes go through the services (``products/services/``; storing and
dispensing a bag: ``pharmacy/services/``) only.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cellrelay import formats
from cellrelay.pathway.models import Episode


class Collection(models.Model):
    """The apheresis (*aphérèse*, *prélèvement*): the starting material, labelled with its ISBT 128 DIN."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="collections")
    collected_at = models.DateTimeField(_("collected at"))
    volume_ml = models.DecimalField(_("volume (mL)"), max_digits=7, decimal_places=1,
                                    validators=[MinValueValidator(0)])
    cd3_count = models.DecimalField(_("CD3+ count (×10⁹)"), max_digits=8, decimal_places=2, null=True, blank=True)
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("operator"))
    # The 13 characters of the DIN (identifiers.md: unique for 100 years), without data identifier or flags.
    din = models.CharField(_("donation identification number (DIN)"), max_length=13, unique=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    # Since when the cells wait to be shipped to the manufacturer (their collection time), None once shipped or when
    # the episode is past that stage: the rule kept by the services that change it (``to_ship.py``).
    to_ship_since = models.DateTimeField(_("waiting to be shipped since"), null=True, blank=True)

    class Meta:
        ordering = ["collected_at", "pk"]
        # The cells waiting to be shipped, the longest waiting first: the few waiting now, in the order shown.
        indexes = [models.Index(fields=["to_ship_since", "id"], name="collection_to_ship",
                                condition=models.Q(to_ship_since__isnull=False))]
        verbose_name = _("cell collection")

    def __str__(self) -> str:
        return f"{self.din} — {self.episode.patient}"


class Product(models.Model):
    """The manufactured CAR-T product of one episode. A failed product stays recorded; a new one may follow."""

    class Status(models.TextChoices):
        IN_MANUFACTURING = "in_manufacturing", _("In manufacturing")
        RELEASED = "released", _("Released by the manufacturer")
        SHIPPED = "shipped", _("Shipped")
        FAILED = "failed", _("Manufacturing failed")
        RECEIVED = "received", _("Received")
        QUARANTINED = "quarantined", _("Quarantined")
        ACCEPTED = "accepted", _("Accepted")

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="products")
    manufacturer = models.CharField(_("manufacturer"), max_length=100)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.IN_MANUFACTURING)
    failure_reason = models.CharField(_("reason for the failure"), max_length=500, blank=True)
    certificate = models.FileField(_("release certificate"), upload_to="products/certificates/", blank=True)
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["registered_at", "pk"]
        # (episode, status): an episode's products in a status (the bags to place) without walking every
        # accepted product of the registry.
        indexes = [models.Index(fields=["status"]), models.Index(fields=["episode", "status"]),
                   # A manufacturer's products in the order its API lists them (manufacturer_api.py): the page is the
                   # index's next rows, not a sort of every product the company ever made.
                   models.Index(Upper("manufacturer"), F("registered_at"), F("id"), name="product_manufacturer_order"),
                   models.Index(Upper("manufacturer"), F("status"), F("registered_at"), F("id"),
                                name="product_manufacturer_status")]
        verbose_name = _("CAR-T product")

    def __str__(self) -> str:
        return f"{self.manufacturer} #{self.pk} — {self.episode.patient}"


class Bag(models.Model):
    """One infusion bag (*poche*) of a product."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="bags")
    number = models.PositiveSmallIntegerField(_("bag number"))
    expiry = models.DateTimeField(_("expiry"))

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        DISPENSED = "dispensed", _("Dispensed")

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.AVAILABLE)
    dispensed_at = models.DateTimeField(_("dispensed at"), null=True, blank=True)
    dispensed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     null=True, blank=True, verbose_name=_("dispensed by"))
    # Administration (``services.administration``). ``status`` stays “dispensed” once the bag is out: these fields tell
    # how far it went (thawed, checked at the bedside, infused, or returned/destroyed unused).
    thaw_started_at = models.DateTimeField(_("thaw started at"), null=True, blank=True)
    bedside_checked_at = models.DateTimeField(_("checked at the bedside at"), null=True, blank=True)
    bedside_checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                           null=True, blank=True, verbose_name=_("checked at the bedside by"))
    bedside_second_person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                              null=True, blank=True,
                                              verbose_name=_("bedside check verified by"))
    infusion_started_at = models.DateTimeField(_("infusion started at"), null=True, blank=True)
    infusion_ended_at = models.DateTimeField(_("infusion ended at"), null=True, blank=True)

    class Disposal(models.TextChoices):
        RETURNED = "returned", _("Returned unused")
        DESTROYED = "destroyed", _("Destroyed unused")

    disposal = models.CharField(_("disposal"), max_length=20, choices=Disposal.choices, blank=True)
    disposed_at = models.DateTimeField(_("disposed at"), null=True, blank=True)
    disposal_reason = models.CharField(_("reason for the return or destruction"), max_length=500, blank=True)
    # Since when the bag waits for a place in a tank (received or taken out of one, before its episode's infusion);
    # None otherwise. The pharmacy's rule, kept true by the services that change it (``pharmacy/waiting.py``).
    waiting_since = models.DateTimeField(_("waiting for a place since"), null=True, blank=True)

    class Meta:
        ordering = ["product", "number"]
        constraints = [models.UniqueConstraint(fields=["product", "number"], name="bag_number_unique_in_product")]
        indexes = [
            # The worklist's bags out (dispensed, neither infused nor returned): the few in the ward now, not every bag
            # ever dispensed (issue #14).
            models.Index(fields=["product"], name="bag_out_in_the_ward",
                         condition=models.Q(status="dispensed", infusion_ended_at__isnull=True, disposal="")),
            # The bags waiting for a place, the longest waiting first: the few waiting now, in the order shown.
            models.Index(fields=["waiting_since", "id"], name="bag_waiting_for_a_place",
                         condition=models.Q(waiting_since__isnull=False)),
        ]
        verbose_name = _("bag")

    def __str__(self) -> str:
        return f"{self.product} — {self.number}"


class Identifier(models.Model):
    """An identifier printed on the product's labels; every scan must match one of them (identifiers.md).

    Stored normalised: a DIN as its 13 characters, an ISBT chain of identity as the 15 characters after
    ``&/``, a manufacturer's number as typed (white space around it removed).
    """

    class Scheme(models.TextChoices):
        DIN = "din", _("ISBT 128 DIN")
        COI_ISBT = "coi_isbt", _("ISBT 128 chain of identity")
        MANUFACTURER = "manufacturer", _("Manufacturer's chain of identity number")

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="identifiers")
    scheme = models.CharField(_("scheme"), max_length=20, choices=Scheme.choices)
    value = models.CharField(_("value"), max_length=80)

    class Meta:
        ordering = ["product", "scheme", "value"]
        constraints = [models.UniqueConstraint(fields=["scheme", "value"], name="identifier_unique_in_scheme")]
        verbose_name = _("product identifier")

    def __str__(self) -> str:
        return f"{self.get_scheme_display()} {self.value}"


class Shipment(models.Model):
    """A transport of the cells: out (collected cells to the manufacturer) or back (product to the center)."""

    class Direction(models.TextChoices):
        OUT = "out", _("To the manufacturer")
        BACK = "back", _("To the center")

    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="shipments", null=True,
                                   blank=True)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="shipments", null=True, blank=True)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    courier = models.CharField(_("courier"), max_length=100, blank=True)
    shipper_id = models.CharField(_("dry shipper number"), max_length=60, blank=True)
    seal_numbers = models.JSONField(_("seal numbers"), default=list, blank=True)
    departed_at = models.DateTimeField(_("departed at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)

    class Meta:
        ordering = ["departed_at", "pk"]
        verbose_name = _("shipment")

    def __str__(self) -> str:
        carrier = " ".join(filter(None, (self.courier, self.shipper_id)))
        return (f"{capfirst(self._meta.verbose_name)} {self.get_direction_display().lower()}: "
                f"{self.collection or self.product}" + (f" ({carrier})" if carrier else ""))

    @classmethod
    def patient_path(cls, pk) -> str:
        """The lookup from the shipment with this key to its patient (for ``patients.access.reach``): through the
        product it brings back, or the collected cells it takes out."""
        return ("product__episode__patient" if cls.objects.filter(pk=pk, product__isnull=False).exists()
                else "collection__episode__patient")


class CustodyEvent(models.Model):
    """One handover of the cells: who, with whom verifying, where, what was scanned, and what each signed."""

    class Action(models.TextChoices):
        COLLECTED = "collected", _("Cells collected")
        SHIPPED = "shipped", _("Shipped")
        RECEIVED = "received", _("Received")
        STORED = "stored", _("Stored")
        MOVED = "moved", _("Moved in storage")
        REMOVED = "removed", _("Removed from storage")
        DISPENSED = "dispensed", _("Dispensed")
        INFUSED = "infused", _("Infused")
        THAWED = "thawed", _("Thawed")
        BEDSIDE_CHECKED = "bedside_checked", _("Checked at the bedside")
        INFUSION_STARTED = "infusion_started", _("Infusion started")
        RETURNED = "returned", _("Returned unused")
        DESTROYED = "destroyed", _("Destroyed unused")

    collection = models.ForeignKey(Collection, on_delete=models.PROTECT, related_name="custody_events", null=True,
                                   blank=True)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="custody_events", null=True,
                                blank=True)
    bag = models.ForeignKey(Bag, on_delete=models.PROTECT, related_name="custody_events", null=True, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("by"))
    second_person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                      null=True, blank=True, verbose_name=_("verified by"))
    place = models.CharField(_("place"), max_length=100, blank=True)
    scanned = models.JSONField(_("scanned codes"), default=list, blank=True)
    temperature_c = models.DecimalField(_("temperature (°C)"), max_digits=5, decimal_places=1, null=True,
                                        blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    # Meaning of each electronic signature (regulation.md: "received", "verified").
    meaning = models.CharField(_("meaning of the signature"), max_length=60, blank=True)
    second_meaning = models.CharField(_("meaning of the second signature"), max_length=60, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("custody event")

    def __str__(self) -> str:
        what = self.bag or self.product or self.collection
        return f"{self.get_action_display()} — {what}, {formats.moment(self.at)}"


# What the receipt finds on the seal and the documents (services/receipt.py): stored in English, the same in every
# language, and shown in the reader's.
RECEIPT_FINDINGS = {"intact": _("intact"), "not intact": _("not intact"), "complete": _("complete"),
                    "missing or wrong": _("missing or wrong")}


class Deviation(models.Model):
    """Something that did not go as expected at a handover; kept even when the handover was refused."""

    class Kind(models.TextChoices):
        IDENTITY_MISMATCH = "identity_mismatch", _("Identity mismatch")
        TEMPERATURE_EXCURSION = "temperature_excursion", _("Temperature excursion")
        SEAL_BROKEN = "seal_broken", _("Seal not intact")
        DOCUMENTS = "documents", _("Documents missing or wrong")
        THAW_LIMIT_EXCEEDED = "thaw_limit_exceeded", _("Thaw limit exceeded")

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="deviations")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="deviations", null=True, blank=True)
    # A temperature excursion found in this shipment's logger file.
    shipment = models.ForeignKey("Shipment", on_delete=models.PROTECT, related_name="deviations", null=True,
                                 blank=True, verbose_name=_("shipment"))
    # When the scanned code belongs to another patient's product: for the investigation, never shown to staff.
    other_product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    expected = models.CharField(_("expected"), max_length=500, blank=True)
    scanned = models.CharField(_("scanned or measured"), max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("recorded by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    description = models.TextField(_("description"), blank=True)
    # A temperature excursion of a shipment blocks the dispensing until the pharmacist releases it with a signed
    # decision (shipping.release_excursion): who, when and why.
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                    blank=True, verbose_name=_("released by"))
    release_reason = models.CharField(_("reason for the release"), max_length=1000, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("deviation")

    @property
    def expected_text(self) -> str:
        """``expected`` as shown: the receipt's findings in the reader's language, codes and measures as recorded."""
        return str(RECEIPT_FINDINGS.get(self.expected, self.expected))

    @property
    def scanned_text(self) -> str:
        """``scanned`` as shown, like ``expected_text``."""
        return str(RECEIPT_FINDINGS.get(self.scanned, self.scanned))

    @property
    def is_shipment_excursion(self) -> bool:
        """A temperature excursion found in a shipment's logger file: it waits for a signed release."""
        return self.kind == self.Kind.TEMPERATURE_EXCURSION and self.shipment_id is not None

    def __str__(self) -> str:
        return (f"{capfirst(self._meta.verbose_name)}: {self.get_kind_display()} — {self.episode.patient}, "
                f"{formats.moment(self.at)}")


class ShipmentTemperature(models.Model):
    """One reading of the dry shipper's temperature logger during a shipment (from its CSV log)."""

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="temperatures")
    at = models.DateTimeField(_("at"))
    temperature_c = models.DecimalField(_("temperature (°C)"), max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["shipment", "at"]
        constraints = [models.UniqueConstraint(fields=["shipment", "at"], name="shipment_temperature_unique_time")]
        verbose_name = _("shipment temperature reading")

    def __str__(self) -> str:
        return f"{number_format(self.temperature_c)} °C, {formats.moment(self.at)} — {self.shipment}"
