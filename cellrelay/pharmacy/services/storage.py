"""Cryostorage: placing, moving and removing bags in the tanks; tank readings and their alarms. Journaled.

Each handling of a bag is verified by a scan of one of its product's identifiers (a hard stop with a kept
deviation otherwise, as at the receipt: call these services outside any enclosing transaction) and writes a
custody event whose place is ``Tank/Rack/Box/Position``. Placing a bag ends its wait for a place, removing it starts
the wait again while its episode is before the infusion (``Bag.waiting_since``, ``pharmacy/waiting.py``).

Concurrency: the bag row, then the position rows (in primary-key order), are locked with
``select_for_update`` and everything is checked again inside the lock, so two bags placed in one position at
the same moment give one stored bag and one refusal naming the position. The unique ``Position.bag`` column is
the last guard: an IntegrityError is turned into the same refusal.
"""

import math
import string
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cellrelay.journal.services import record
from cellrelay.products.custody import Action, Scan, journal, lock_bag, verify_bag_scan
from cellrelay.pathway.models import Episode
from cellrelay.products.models import Bag, CustodyEvent, Product
from cellrelay.written_out import insert

from .. import waiting
from ..models import Box, Position, Rack, StorageAlarm, Tank, TankReading


def _journal_bag(action, bag: Bag, obj, *, actor, before=None, after=None):
    journal(action, bag.product.episode, obj, actor=actor, before=before, after=after)


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


def _stop_waiting(bag: Bag) -> None:
    """The bag, locked, has its place: it no longer waits for one (``waiting.py``)."""
    if bag.waiting_since is not None:
        bag.waiting_since = None
        bag.save(update_fields=["waiting_since"])


def place_bag(*, actor, bag: Bag, position: Position, scanned_bag_code: str) -> Position:
    """Put a bag into an empty position of a tank."""
    scan = verify_bag_scan(actor=actor, bag=bag, scanned_bag_code=scanned_bag_code)
    try:
        with transaction.atomic():
            return _place(actor=actor, bag=bag, position=position, scan=scan)
    except IntegrityError:
        raise _refuse_after_integrity_error(bag, position) from None


def _place(*, actor, bag: Bag, position: Position, scan: Scan) -> Position:
    bag = lock_bag(bag)
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
    _stop_waiting(bag)
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
    bag = lock_bag(bag)
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
        # The episode locked first, as its moves lock it: a stop committing at the same moment would otherwise
        # clear its bags' markers before this one is set, and the bag would wait on the map for a stopped episode.
        Episode.objects.select_for_update().filter(pk__in=Product.objects.filter(pk=bag.product_id).values("episode_id")
                                                   ).exists()
        bag = lock_bag(bag)
        position = _current_position(bag)
        if position is None:
            raise ValidationError({"bag": _("This bag is not in storage.")})
        place = str(position)
        position.bag = None
        position.save(update_fields=["bag"])
        event = _custody(bag, CustodyEvent.Action.REMOVED, actor=actor, place=place, scan=scan)
        # Out of the tank, the bag waits for a place again from now if its episode is still before the infusion.
        waiting.keep(Bag.objects.filter(pk=bag.pk), since=event.at)
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


# Setting up a tank ----------------------------------------------------------------------------------

MAX_RACKS, MAX_BOXES_PER_RACK, MAX_POSITIONS_PER_BOX = 20, 20, 100
# A threshold outside these bounds is a typing error: at 0 % the level alarm never rings, at 100 % it never
# stops; the products are kept at or below -120 °C (products.md), and the vapour phase of liquid nitrogen is
# rarely colder than -190 °C, so a lower limit would ring all the time.
LEVEL_THRESHOLD_RANGE = (Decimal(1), Decimal(99))
TEMPERATURE_THRESHOLD_RANGE = (Decimal(-190), Decimal(-120))
TENTH = Decimal("0.1")
UNROUNDED_FROM = Decimal(10) ** 12  # beyond it Decimal cannot keep a tenth (28 digits)


def grid_labels(count: int) -> list[str]:
    """Position labels of a box as printed on cryobox lids: a letter per row, a number per column (A1, A2…
    B1…), the grid as square as possible (100 places: A1…J10; 81: A1…I9; 4: A1, A2, B1, B2). The label read on
    the box is the one on the map, and a row letter with a column number finds a place faster than a number
    counted from the corner."""
    width = max(1, math.ceil(math.sqrt(count)))
    return [f"{string.ascii_uppercase[index // width]}{index % width + 1}" for index in range(count)]


def _tenth(value) -> Decimal | None:
    """The value as a Decimal to one decimal place (a float is read through its shortest text); None if it
    is not a number. A number too large to have a tenth in Decimal's precision (-1e30) is kept as it is, for
    the range checks to refuse it by its value."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ".")) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    return number.quantize(TENTH, rounding=ROUND_HALF_UP) if abs(number) < UNROUNDED_FROM else number


def _count_error(value, high: int, message: str) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        return message
    return None


def _tank_problems(center, name: str, counts: dict, level, temperature) -> dict[str, str]:
    problems = {}
    if not name:
        problems["name"] = _("Name the tank, as written on it.")
    elif "/" in name:
        problems["name"] = _("A tank's name cannot contain “/”: it separates tank, rack, box and position in "
                             "a storage place.")
    elif len(name) > Tank._meta.get_field("name").max_length:
        problems["name"] = _("A tank's name has at most %(max)s characters.") % {
            "max": Tank._meta.get_field("name").max_length}
    elif Tank.objects.filter(center=center, name__iexact=name).exists():
        problems["name"] = _("A tank named “%(name)s” already exists at this center.") % {"name": name}
    limits = {
        "racks": (MAX_RACKS, _("Give the number of racks in the tank: between 1 and %(max)s.")),
        "boxes_per_rack": (MAX_BOXES_PER_RACK, _("Give the number of boxes in each rack: between 1 and %(max)s.")),
        "positions_per_box": (MAX_POSITIONS_PER_BOX, _("Give the number of places in each box: between 1 and "
                                                       "%(max)s.")),
    }
    for field, (high, message) in limits.items():
        error = _count_error(counts[field], high, message % {"max": high})
        if error:
            problems[field] = error
    low, high = LEVEL_THRESHOLD_RANGE
    if level is None or not low <= level <= high:
        problems["ln2_min_level_percent"] = _(
            "Give the lowest LN2 level in percent, between %(low)s and %(high)s: below it an alarm is raised.") % {
                "low": low, "high": high}
    low, high = TEMPERATURE_THRESHOLD_RANGE
    if temperature is None or not low <= temperature <= high:
        problems["max_temperature_c"] = _(
            "Give the highest temperature between %(low)s and %(high)s °C: the products are kept at or below "
            "-120 °C, and the vapour phase of liquid nitrogen is rarely colder than -190 °C.") % {
                "low": low, "high": high}
    return problems


def create_tank(*, actor, center, name: str, racks: int, boxes_per_rack: int, positions_per_box: int,
                ln2_min_level_percent, max_temperature_c) -> Tank:
    """Set up a tank (*cuve*) of the center's pharmacy with its racks R1…Rn, boxes B1…Bn in each rack and
    positions labelled as a grid in each box (``grid_labels``), and the thresholds of its alarms. Journaled.

    Every field at fault is named at once, so that a form shows all its mistakes together.
    """
    name = (name or "").strip()
    counts = {"racks": racks, "boxes_per_rack": boxes_per_rack, "positions_per_box": positions_per_box}
    level, temperature = _tenth(ln2_min_level_percent), _tenth(max_temperature_c)
    problems = _tank_problems(center, name, counts, level, temperature)
    if problems:
        raise ValidationError(problems)
    try:
        with transaction.atomic():
            return _build_tank(actor=actor, center=center, name=name, counts=counts, level=level,
                               temperature=temperature)
    except IntegrityError:  # the same name set up at the same moment by someone else
        raise ValidationError({"name": _("A tank named “%(name)s” already exists at this center.") % {
            "name": name}}) from None


def _build_tank(*, actor, center, name: str, counts: dict, level: Decimal, temperature: Decimal) -> Tank:
    tank = Tank.objects.create(center=center, name=name, ln2_min_level_percent=level, max_temperature_c=temperature)
    Rack.objects.bulk_create([Rack(tank=tank, label=f"R{n}") for n in range(1, counts["racks"] + 1)])
    Box.objects.bulk_create([Box(rack=rack, label=f"B{n}") for rack in tank.racks.order_by("pk")
                             for n in range(1, counts["boxes_per_rack"] + 1)])
    labels = grid_labels(counts["positions_per_box"])
    Position.objects.bulk_create([Position(box=box, label=label)
                                  for box in Box.objects.filter(rack__tank=tank).order_by("pk") for label in labels],
                                 batch_size=2000)
    _journal_tank(Action.TANK_CREATED, tank, tank, actor=actor, after={
        "tank": name, **counts, "positions": counts["racks"] * counts["boxes_per_rack"] * len(labels),
        "ln2_min_level_percent": level, "max_temperature_c": temperature})
    return tank


# Reading the storage (no change) -------------------------------------------------------------------------

def position_of(bag: Bag) -> Position | None:
    """Where the bag is stored, or None."""
    return Position.objects.select_related("box__rack__tank").filter(bag=bag).first()


def free_positions(center_id: int):
    """The empty positions of the center's tanks, tank by tank, in the order they were set up."""
    return (Position.objects.filter(bag__isnull=True, box__rack__tank__center_id=center_id)
            .select_related("box__rack__tank").order_by("box__rack__tank__name", "box__rack__tank_id", "pk"))


def why_not_placed(bag: Bag) -> str:
    """Why this bag cannot be placed now ("" when it can): dispensed, or already in a position."""
    if bag.status == Bag.Status.DISPENSED:
        return _("This bag was dispensed: it does not go back into storage.")
    position = position_of(bag)
    if position is not None:
        return _("This bag is already stored in %(position)s: move it instead.") % {"position": position}
    return ""


def why_not_stored(bag: Bag) -> str:
    """Why this stored bag cannot be moved or removed now ("" when it can)."""
    if bag.status == Bag.Status.DISPENSED:
        return _("This bag was dispensed: it is no longer in storage.")
    if position_of(bag) is None:
        return _("This bag is not in storage: place it first.")
    return ""


# Readings and alarms --------------------------------------------------------------------------------

def _journal_tank(action, tank: Tank, obj, *, actor, after, before=None):
    record(action, actor=actor, obj=obj, center_id=tank.center_id, before=before, after=after,
           actor_label="" if actor else "probe")


# Liquid nitrogen boils at -196 °C; a room is below +60 °C. Beyond, the value is a typing or probe error,
# refused rather than stored as an alarm nobody can act on.
READING_TEMPERATURE_RANGE = (Decimal(-200), Decimal(60))


@transaction.atomic
def record_reading(*, actor_or_none, tank: Tank, ln2_level_percent, temperature_c,
                   source: str = TankReading.Source.TYPED) -> TankReading:
    """A reading of the tank; an alarm for an LN2 level below, or a temperature above, the tank's threshold.

    A typed reading names who typed it; a probe posts without a user (``actor_or_none=None``). The alarms raised
    come back on the reading as ``raised_alarms``, so that the caller need not query them again.
    """
    if source not in TankReading.Source.values:
        raise ValidationError({"source": _("Unknown source of reading “%(source)s”.") % {"source": source}})
    if source == TankReading.Source.TYPED and actor_or_none is None:
        raise ValidationError({"source": _("A typed reading names who typed it.")})
    # Rounded to the tenth the columns keep, so that the journal says what is stored.
    level, temperature = _tenth(ln2_level_percent), _tenth(temperature_c)
    if level is None or not Decimal(0) <= level <= Decimal(100):
        raise ValidationError({"ln2_level_percent": _("Give the LN2 level in percent, between 0 and 100.")})
    if temperature is None:
        raise ValidationError({"temperature_c": _("Give the temperature in °C.")})
    low, high = READING_TEMPERATURE_RANGE
    if not low <= temperature <= high:
        raise ValidationError({"temperature_c": _(
            "A tank's temperature is between %(low)s and %(high)s °C: %(value)s °C is a typing or probe "
            "error.") % {"low": low, "high": high, "value": temperature}})
    reading = insert(TankReading(tank=tank, ln2_level_percent=level, temperature_c=temperature,
                                 recorded_by=actor_or_none, source=source))  # written out: a probe's every reading
    _journal_tank(Action.TANK_READING, tank, reading, actor=actor_or_none, after={
        "tank": tank.name, "ln2_level_percent": level, "temperature_c": temperature, "source": source})
    kinds = []
    if level < tank.ln2_min_level_percent:
        kinds.append((StorageAlarm.Kind.LEVEL, f"< {tank.ln2_min_level_percent} %", f"{level} %"))
    if temperature > tank.max_temperature_c:
        kinds.append((StorageAlarm.Kind.TEMPERATURE, f"> {tank.max_temperature_c} °C", f"{temperature} °C"))
    reading.raised_alarms = []
    for kind, threshold, value in kinds:
        alarm = StorageAlarm.objects.create(tank=tank, reading=reading, kind=kind, raised_at=reading.at)
        reading.raised_alarms.append(alarm)
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
