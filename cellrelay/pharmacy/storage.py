"""Cryostorage: placing, moving and removing bags in the tanks; tank readings and their alarms. Journaled.

Each handling of a bag is verified by a scan of one of its product's identifiers (a hard stop with a kept
deviation otherwise, as at the receipt: call these services outside any enclosing transaction) and writes a
custody event whose place is ``Tank/Rack/Box/Position``.

Concurrency: the bag row, then the position rows (in primary-key order), are locked with
``select_for_update`` and everything is checked again inside the lock, so two bags placed in one position at
the same moment give one stored bag and one refusal naming the position. The unique ``Position.bag`` column is
the last guard: an IntegrityError is turned into the same refusal.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import record, record_for_patient
from cellrelay.products.dispensing import verify_bag_scan
from cellrelay.products.models import Bag, CustodyEvent
from cellrelay.products.services import Scan

from .models import Position, StorageAlarm, Tank, TankReading

Action = JournalEntry.Action


def _journal_bag(action, bag: Bag, obj, *, actor, before=None, after=None):
    episode = bag.product.episode
    record_for_patient(action, episode.patient, actor=actor, obj=obj, before=before, after=after)


def _lock_bag(bag: Bag) -> Bag:
    return (Bag.objects.select_for_update(of=("self",)).select_related("product__episode__patient")
            .get(pk=bag.pk))


def _lock_positions(*positions: Position) -> dict[int, Position]:
    """Lock the positions in primary-key order (two movers never wait for each other crosswise)."""
    rows = (Position.objects.select_for_update(of=("self",)).select_related("box__rack__tank")
            .filter(pk__in=[p.pk for p in positions]).order_by("pk"))
    return {row.pk: row for row in rows}


def _occupied(position: Position) -> ValidationError:
    return ValidationError({"position": _("Position %(position)s is occupied: choose another position.") % {
        "position": position}})


def _current_position(bag: Bag) -> Position | None:
    return Position.objects.select_for_update(of=("self",)).select_related("box__rack__tank").filter(bag=bag).first()


def _check_available(bag: Bag) -> None:
    if bag.status == Bag.Status.DISPENSED:
        raise ValidationError({"bag": _("This bag was dispensed: it does not go back into storage.")})


def _custody(bag: Bag, action, *, actor, place: str, scan: Scan) -> CustodyEvent:
    return CustodyEvent.objects.create(bag=bag, product=bag.product, action=action, actor=actor, place=place,
                                       scanned=[scan.raw])


def _refuse_after_integrity_error(bag: Bag, position: Position) -> ValidationError:
    """What the unique constraint stopped, told as the locked path would have told it."""
    position = Position.objects.select_related("box__rack__tank").get(pk=position.pk)
    if position.bag_id is not None and position.bag_id != bag.pk:
        return _occupied(position)
    return ValidationError({"bag": _("This bag is already stored elsewhere: move it instead.")})


def place_bag(*, actor, bag: Bag, position: Position, scanned_bag_code: str) -> Position:
    """Put a bag into an empty position of a tank."""
    scan = verify_bag_scan(actor=actor, bag=bag, scanned_bag_code=scanned_bag_code)
    try:
        with transaction.atomic():
            return _place(actor=actor, bag=bag, position=position, scan=scan)
    except IntegrityError:
        raise _refuse_after_integrity_error(bag, position) from None


def _place(*, actor, bag: Bag, position: Position, scan: Scan) -> Position:
    bag = _lock_bag(bag)
    _check_available(bag)
    position = _lock_positions(position)[position.pk]
    if position.bag_id is not None:
        if position.bag_id == bag.pk:
            raise ValidationError({"position": _("This bag is already in position %(position)s.") % {
                "position": position}})
        raise _occupied(position)
    current = _current_position(bag)
    if current is not None:
        raise ValidationError({"bag": _("This bag is already stored in %(position)s: move it instead.") % {
            "position": current}})
    position.bag = bag
    position.save(update_fields=["bag"])
    place = str(position)
    _custody(bag, CustodyEvent.Action.STORED, actor=actor, place=place, scan=scan)
    _journal_bag(Action.BAG_STORED, bag, position, actor=actor, after={"bag": bag.pk, "position": place,
                                                                       "scanned": scan.raw})
    return position


def move_bag(*, actor, bag: Bag, to_position: Position, scanned_bag_code: str) -> Position:
    """Move a stored bag to another, empty position, in one transaction."""
    scan = verify_bag_scan(actor=actor, bag=bag, scanned_bag_code=scanned_bag_code)
    try:
        with transaction.atomic():
            return _move(actor=actor, bag=bag, to_position=to_position, scan=scan)
    except IntegrityError:
        raise _refuse_after_integrity_error(bag, to_position) from None


def _move(*, actor, bag: Bag, to_position: Position, scan: Scan) -> Position:
    bag = _lock_bag(bag)
    current = Position.objects.filter(bag=bag).first()
    if current is None:
        raise ValidationError({"bag": _("This bag is not in storage: place it first.")})
    if current.pk == to_position.pk:
        raise ValidationError({"position": _("This bag is already in position %(position)s.") % {
            "position": current}})
    locked = _lock_positions(current, to_position)
    current, target = locked[current.pk], locked[to_position.pk]
    if current.bag_id != bag.pk:  # moved by someone else meanwhile (the bag lock makes this unlikely)
        raise ValidationError({"bag": _("This bag has just been moved: look again.")})
    if target.bag_id is not None:
        raise _occupied(target)
    current.bag = None
    current.save(update_fields=["bag"])  # first free the bag's row: the bag column is unique
    target.bag = bag
    target.save(update_fields=["bag"])
    before, after = str(current), str(target)
    _custody(bag, CustodyEvent.Action.MOVED, actor=actor, place=after, scan=scan)
    _journal_bag(Action.BAG_MOVED, bag, target, actor=actor, before={"position": before},
                 after={"position": after, "scanned": scan.raw})
    return target


def remove_bag(*, actor, bag: Bag, scanned_bag_code: str, reason: str) -> Position:
    """Take a bag out of storage for another reason than dispensing (transfer, return to the manufacturer…);
    the reason is kept. Dispensing takes the bag out itself (``take_out_for_dispensing``)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the bag leaves the tank.")})
    scan = verify_bag_scan(actor=actor, bag=bag, scanned_bag_code=scanned_bag_code)
    with transaction.atomic():
        bag = _lock_bag(bag)
        position = _current_position(bag)
        if position is None:
            raise ValidationError({"bag": _("This bag is not in storage.")})
        place = str(position)
        position.bag = None
        position.save(update_fields=["bag"])
        _custody(bag, CustodyEvent.Action.REMOVED, actor=actor, place=place, scan=scan)
        _journal_bag(Action.BAG_REMOVED, bag, position, actor=actor, before={"bag": bag.pk, "position": place},
                     after={"reason": reason.strip(), "scanned": scan.raw})
        return position


def take_out_for_dispensing(bag: Bag) -> str:
    """Inside the dispensing's transaction, the bag already locked: free its position; the place it left
    (``""`` when it was not stored). The dispensing's custody event and journal entry name that place."""
    position = _current_position(bag)
    if position is None:
        return ""
    position.bag = None
    position.save(update_fields=["bag"])
    return str(position)


# Readings and alarms --------------------------------------------------------------------------------

def _journal_tank(action, tank: Tank, obj, *, actor, after, before=None):
    record(action, actor=actor, obj=obj, center_id=tank.center_id, before=before, after=after,
           actor_label="" if actor else "probe")


@transaction.atomic
def record_reading(*, actor_or_none, tank: Tank, ln2_level_percent, temperature_c,
                   source: str = TankReading.Source.TYPED) -> TankReading:
    """A reading of the tank; an alarm for an LN2 level below, or a temperature above, the tank's threshold.

    A typed reading names who typed it; a probe posts without a user (``actor_or_none=None``).
    """
    if source not in TankReading.Source.values:
        raise ValidationError({"source": _("Unknown source of reading “%(source)s”.") % {"source": source}})
    if source == TankReading.Source.TYPED and actor_or_none is None:
        raise ValidationError({"source": _("A typed reading names who typed it.")})
    if ln2_level_percent is None or not Decimal(0) <= Decimal(ln2_level_percent) <= Decimal(100):
        raise ValidationError({"ln2_level_percent": _("Give the LN2 level in percent, between 0 and 100.")})
    if temperature_c is None:
        raise ValidationError({"temperature_c": _("Give the temperature in °C.")})
    level, temperature = Decimal(ln2_level_percent), Decimal(temperature_c)
    reading = TankReading.objects.create(tank=tank, ln2_level_percent=level, temperature_c=temperature,
                                         recorded_by=actor_or_none, source=source)
    _journal_tank(Action.TANK_READING, tank, reading, actor=actor_or_none, after={
        "tank": tank.name, "ln2_level_percent": level, "temperature_c": temperature, "source": source})
    kinds = []
    if level < tank.ln2_min_level_percent:
        kinds.append((StorageAlarm.Kind.LEVEL, f"< {tank.ln2_min_level_percent} %", f"{level} %"))
    if temperature > tank.max_temperature_c:
        kinds.append((StorageAlarm.Kind.TEMPERATURE, f"> {tank.max_temperature_c} °C", f"{temperature} °C"))
    for kind, threshold, value in kinds:
        alarm = StorageAlarm.objects.create(tank=tank, reading=reading, kind=kind, raised_at=reading.at)
        _journal_tank(Action.STORAGE_ALARM, tank, alarm, actor=actor_or_none, after={
            "tank": tank.name, "kind": kind, "threshold": threshold, "value": value})
    return reading


@transaction.atomic
def acknowledge_alarm(*, actor, alarm: StorageAlarm) -> StorageAlarm:
    alarm = StorageAlarm.objects.select_for_update(of=("self",)).select_related("tank").get(pk=alarm.pk)
    if alarm.acknowledged_at is not None:
        raise ValidationError({"alarm": _("This alarm was already acknowledged.")})
    alarm.acknowledged_by, alarm.acknowledged_at = actor, timezone.now()
    alarm.save(update_fields=["acknowledged_by", "acknowledged_at"])
    _journal_tank(Action.STORAGE_ALARM_ACKNOWLEDGED, alarm.tank, alarm, actor=actor, after={"kind": alarm.kind})
    return alarm
