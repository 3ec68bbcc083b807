"""Shipments of the cells and the dry shipper's temperature log.

Out: the collected cells leave for the manufacturer. Back: the product comes to the center; a released
product becomes “Shipped” through ``manufacturing.update_manufacturing`` (the one manufacturing service, also
behind ``POST /api/v1/products/{id}/status``). A temperature log is read by ``templog`` (no Django), its
readings kept, and each excursion above the product's storage limit (the episode's protocol template,
``storage_max_c``) is a deviation. No deviation when the limit is unknown (a template without
``storage_max_c``), nor for the collected cells going out: the product's storage limit does not apply to
the starting material. The result says why, in ``limit_note``.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cellrelay.validation import refuse_future_time

from .. import templog, to_ship
from ..custody import Action, journal, journal_signature, sign
from ..models import Collection, CustodyEvent, Deviation, Product, Shipment, ShipmentTemperature
from .manufacturing import update_manufacturing

Direction = Shipment.Direction
Status = Product.Status

NO_LIMIT_KNOWN = gettext_noop("No storage limit is known for this product (its protocol template has none): "
                              "the readings are kept, excursions are not assessed.")
NOT_FOR_COLLECTIONS = gettext_noop("The collected cells are not the product: the product's storage limit does not "
                                   "apply, the readings are kept, excursions are not assessed.")
SHIPPABLE_BACK = (Status.RELEASED, Status.SHIPPED)


def _episode_and_product(shipment: Shipment):
    if shipment.product_id:
        return shipment.product.episode, shipment.product
    return shipment.collection.episode, None


@transaction.atomic
def record_shipment(*, actor, product_or_collection, direction: str, courier: str, shipper_id: str,
                    seal_numbers: list[str], departed_at: datetime, arrived_at: datetime | None = None) -> Shipment:
    """A transport of the cells in a sealed dry shipper: the collection goes out, the product comes back.

    A custody event “Shipped” is recorded at the departure; a released product becomes “Shipped”.
    """
    if direction not in Direction.values:
        raise ValidationError({"direction": _("Unknown direction “%(direction)s”.") % {"direction": direction}})
    if isinstance(product_or_collection, Collection):
        if direction != Direction.OUT:
            raise ValidationError({"direction": _("Collected cells go out to the manufacturer; the product comes "
                                                  "back to the center.")})
    elif isinstance(product_or_collection, Product):
        if direction != Direction.BACK:
            raise ValidationError({"direction": _("A product comes back to the center; the collected cells go out "
                                                  "to the manufacturer.")})
    else:
        raise TypeError("record_shipment ships a Collection or a Product")
    courier, shipper_id = (courier or "").strip(), (shipper_id or "").strip()
    if not courier:
        raise ValidationError({"courier": _("Name the courier.")})
    if not shipper_id:
        raise ValidationError({"shipper_id": _("Give the dry shipper's number.")})
    seals = [str(seal).strip() for seal in seal_numbers or []]
    if not seals or not all(seals):
        raise ValidationError({"seal_numbers": _("Give the number of every seal on the dry shipper.")})
    if len(set(seals)) != len(seals):
        raise ValidationError({"seal_numbers": _("The same seal number is given twice.")})
    if departed_at is None:
        raise ValidationError({"departed_at": _("Give the time of departure.")})
    refuse_future_time("departed_at", departed_at)
    if arrived_at is not None:
        refuse_future_time("arrived_at", arrived_at)
        if arrived_at < departed_at:
            raise ValidationError({"arrived_at": _("The arrival cannot come before the departure.")})
    if isinstance(product_or_collection, Product):
        product = Product.objects.select_for_update().select_related("episode__patient").get(
            pk=product_or_collection.pk)
        if product.status not in SHIPPABLE_BACK:
            raise ValidationError({"product": _("This product is “%(status)s”: only a released or shipped product "
                                                "is shipped to the center.") % {
                                                    "status": product.get_status_display()}})
        if product.status == Status.RELEASED:
            product = update_manufacturing(actor=actor, product=product, status=Status.SHIPPED)
        episode, collection = product.episode, None
    else:
        collection = Collection.objects.select_related("episode__patient").get(pk=product_or_collection.pk)
        episode, product = collection.episode, None
    shipment = Shipment.objects.create(collection=collection, product=product, direction=direction, courier=courier,
                                       shipper_id=shipper_id, seal_numbers=seals, departed_at=departed_at,
                                       arrived_at=arrived_at)
    CustodyEvent.objects.create(collection=collection, product=product, action=CustodyEvent.Action.SHIPPED,
                                actor=actor, place=courier, scanned=[], at=departed_at)
    if collection is not None:
        to_ship.keep(Collection.objects.filter(pk=collection.pk))  # the cells have left
    journal(Action.SHIPMENT_RECORDED, episode, shipment, actor=actor, after={
        "direction": direction, "collection": collection.pk if collection else None,
        "product": product.pk if product else None, "courier": courier, "shipper_id": shipper_id,
        "seal_numbers": seals, "departed_at": departed_at, "arrived_at": arrived_at})
    return shipment


@dataclass
class LogResult:
    """What a temperature log said: how many readings, the limit used (None: not assessed, ``limit_note``
    says why, an English msgid), and each excursion with its deviation."""

    shipment: Shipment
    readings: int
    limit_c: int | None
    limit_note: str
    excursions: list[tuple[templog.Excursion, Deviation]] = field(default_factory=list)


def _read(csv_file) -> bytes | str:
    if hasattr(csv_file, "read"):
        if getattr(csv_file, "size", 0) and csv_file.size > templog.MAX_BYTES:
            raise templog.TempLogError(0, templog.TOO_LARGE, limit=templog.MAX_BYTES // 1_000_000)
        return csv_file.read(templog.MAX_BYTES + 1)
    return csv_file


def log_error(error: templog.TempLogError) -> ValidationError:
    # "what" is itself a msgid ("time", "temperature"): translated too.
    params = {key: _(value) if key == "what" else value for key, value in error.params.items()}
    message = _(error.message) % params
    if error.line:
        message = _("Line %(line)s: %(problem)s") % {"line": error.line, "problem": message}
    return ValidationError({"csv_file": [message]})


@transaction.atomic
def attach_temperature_log(*, actor, shipment: Shipment, csv_file) -> LogResult:
    """Keep the logger's readings of a shipment and record a deviation per excursion above the storage limit.

    ``csv_file``: bytes, text or a file. One log per shipment: a second one is refused (the first is
    evidence). Readings are stored to 0.01 °C; excursions are found on the readings as written in the file.
    """
    shipment = Shipment.objects.select_for_update(of=("self",)).select_related(
        "product__episode__patient", "product__episode__template", "collection__episode__patient").get(
        pk=shipment.pk)
    if shipment.temperatures.exists():
        raise ValidationError({"csv_file": _("This shipment already has its temperature log.")})
    try:
        readings = templog.parse(_read(csv_file), timezone.get_current_timezone())
    except templog.TempLogError as error:
        raise log_error(error) from None
    episode, product = _episode_and_product(shipment)
    ShipmentTemperature.objects.bulk_create([
        ShipmentTemperature(shipment=shipment, at=reading.at,
                            temperature_c=reading.temperature_c.quantize(Decimal("0.01"), ROUND_HALF_EVEN))
        for reading in readings])
    limit = episode.template.storage_max_c if product is not None and episode.template_id else None
    note = "" if limit is not None else (NO_LIMIT_KNOWN if product is not None else NOT_FOR_COLLECTIONS)
    result = LogResult(shipment=shipment, readings=len(readings), limit_c=limit, limit_note=note)
    for excursion in templog.excursions(readings, limit) if limit is not None else []:
        deviation = Deviation.objects.create(
            episode=episode, product=product, shipment=shipment, kind=Deviation.Kind.TEMPERATURE_EXCURSION,
            expected=f"≤ {limit} °C",
            scanned=f"{excursion.max_temperature} °C", actor=actor,
            description=f"dry shipper {shipment.shipper_id} (shipment {shipment.pk}): above {limit} °C from "
                        f"{excursion.start.isoformat()} to {excursion.end.isoformat()}")
        journal(Action.DEVIATION_RECORDED, episode, deviation, actor=actor, after={
            "kind": deviation.kind, "expected": deviation.expected, "scanned": deviation.scanned,
            "shipment": shipment.pk, "start": excursion.start, "end": excursion.end})
        result.excursions.append((excursion, deviation))
    journal(Action.TEMPERATURE_LOG_ATTACHED, episode, shipment, actor=actor, after={
        "readings": len(readings), "first": readings[0].at, "last": readings[-1].at,
        "minimum_c": min(r.temperature_c for r in readings), "maximum_c": max(r.temperature_c for r in readings),
        "storage_max_c": limit, "excursions": len(result.excursions)})
    return result


# Release of an excursion -----------------------------------------------------------------------------------

EXCURSION_RELEASED = gettext_noop("temperature excursion released")


def unreleased_excursions(product: Product):
    """The temperature excursions of the product's shipments that no signed decision released: they block the
    dispensing (``pharmacy.services.dispensing``)."""
    return (Deviation.objects.filter(product=product, kind=Deviation.Kind.TEMPERATURE_EXCURSION,
                                     shipment__isnull=False, released_at__isnull=True)
            .select_related("shipment").order_by("at", "pk"))


@transaction.atomic
def release_excursion(*, actor, actor_password: str, deviation: Deviation, reason: str) -> Deviation:
    """The pharmacist responsible decides, after investigating a shipment's temperature excursion (with the
    manufacturer when needed), that the product may still be used: signed with the reason, like the release
    from quarantine. The other outcome (not usable) leaves the excursion unreleased: the bag is not dispensed.
    """
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say what was checked and why the product may still be used.")})
    signature = sign(user=actor, password=actor_password, meaning=EXCURSION_RELEASED, field="actor_password")
    deviation = (Deviation.objects.select_for_update(of=("self",))
                 .select_related("episode__patient", "released_by").get(pk=deviation.pk))
    refusal = excursion_release_refusal(deviation)
    if refusal:
        raise ValidationError({"deviation": refusal})
    deviation.released_at, deviation.released_by, deviation.release_reason = signature.at, actor, reason.strip()
    deviation.save(update_fields=["released_at", "released_by", "release_reason"])
    episode = deviation.episode
    journal_signature(signature, episode, deviation)
    journal(Action.EXCURSION_RELEASED, episode, deviation, actor=actor, before={"released_at": None},
            after={"released_at": deviation.released_at, "reason": deviation.release_reason,
                   "shipment": deviation.shipment_id, "scanned": deviation.scanned, "expected": deviation.expected})
    return deviation


def excursion_text(deviation: Deviation) -> str:
    """“dry shipper DS-123: -95.2 °C, limit ≤ -150 °C”: an excursion as the pharmacist reads it."""
    return _("dry shipper %(shipper)s: %(found)s, limit %(limit)s") % {
        "shipper": deviation.shipment.shipper_id, "found": deviation.scanned, "limit": deviation.expected}


def excursion_release_refusal(deviation: Deviation) -> str:
    """Why this deviation cannot be released here, or "" when it can."""
    if not deviation.is_shipment_excursion:
        return _("Only a temperature excursion found in a shipment's log is released here.")
    if deviation.released_at:
        who = deviation.released_by.get_full_name() or deviation.released_by.get_username()
        return _("This excursion was already released by %(who)s on %(when)s.") % {
            "who": who, "when": formats.date_format(timezone.localtime(deviation.released_at), "DATETIME_FORMAT")}
    return ""
