"""The product's chain of custody of a synthetic episode, as plain values, for `seed_synthetic`. No Django.

`cellrelay.demo.synthetic.pathway` lives an episode up to today; this module gives it the records the product
services would have written on the way (products/services/, pharmacy/services/dispensing.py):

- cells collected (the apheresis day): the collection with its ISBT 128 DIN, custody “collected”, the
  shipment out to the manufacturer and custody “shipped” (still in transit while the episode is “collected”);
- manufacturing: the product with two identifiers, the DIN and the manufacturer's number; “failed” with its
  reason when the episode stopped for a manufacturing failure;
- product received: the product accepted after the shipment back (custody “shipped”), the two-person
  receipt (custody “received”) and one or two bags expiring about a year later;
- admitted: the tocilizumab doses reserved for the episode (dispensing needs them);
- infused: bag 1 dispensed, thawed, checked at the bedside and infused within the product's thaw limit, one
  custody event each; any other bag stays available.

Every draw comes from the `random.Random` passed in, so that a seed reproduces the same chain. Times are
naive local wall-clock datetimes, none after `now` (the caller makes them aware).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
import random

from cellrelay.pathway.states import State, StopReason
from cellrelay.products import isbt128, manufacturers

# The manufacturer of each product (manufacturers.py), the investigational one included.
MANUFACTURERS = {**manufacturers.MARKETED, "investigational": manufacturers.TRIAL_FACILITY}
# How each one's chain-of-identity number starts (fictional formats); “SY” and a fixed-width sequence make
# synthetic numbers easy to tell apart and to continue from (`NUMBER_PATTERN`).
NUMBER_PREFIXES = {"Kite": "KITE-COI-SY", "Novartis": "NVS-ORD-SY", "Bristol Myers Squibb": "BMS-COI-SY",
                   "Janssen": "JNJ-COI-SY", "Academic GMP facility": "GMP-SY"}
NUMBER_DIGITS = 8
NUMBER_PATTERN = rf"-SY[0-9]{{{NUMBER_DIGITS}}}$"
# A center without a (valid) ISBT 128 facility identification number labels its synthetic DINs with this one.
SYNTHETIC_FACILITY = "Z9999"
COURIERS = ["World Courier", "Cryoport", "Marken", "QuickSTAT"]
TOCILIZUMAB = "tocilizumab"  # pharmacy.services.drugs.TOCILIZUMAB
RECEIPT_PLACE = "PUI"  # the hospital pharmacy (pharmacie à usage intérieur)
# Time from the start of the thaw to the end of the infusion when the template gives no limit.
THAW_BUDGET_MINUTES = 45

# Meanings of the electronic signatures, as the services store them (English msgids, regulation.md):
# receipt.RECEIVED, custody.VERIFIED, pharmacy dispensing.DISPENSED, administration.CHECKED_AT_BEDSIDE.
RECEIVED = "received"
VERIFIED = "verified"
DISPENSED = "dispensed"
CHECKED_AT_BEDSIDE = "checked at the bedside"

# The custody events' actions (models.CustodyEvent.Action values).
COLLECTED, SHIPPED, RECEIVED_ACTION, DISPENSED_ACTION = "collected", "shipped", "received", "dispensed"
THAWED, BEDSIDE_CHECKED, INFUSION_STARTED, INFUSED = "thawed", "bedside_checked", "infusion_started", "infused"
# What an event is about: the collection, the product, or one of its bags (by number).
ON_COLLECTION, ON_PRODUCT = "collection", "product"

# Product statuses (models.Product.Status values).
IN_MANUFACTURING, FAILED, ACCEPTED = "in_manufacturing", "failed", "accepted"
DEFAULT_FAILURE = "Failed expansion at the manufacturer"


# Numbers -------------------------------------------------------------------------------------------------

def din_scan(din: str) -> str:
    """The DIN as a scanner reads the label: data identifier, the 13 characters, flags 00 (unused)."""
    return f"={din}00"


def facility_for(facility_id: str) -> str:
    """The center's facility identification number when it can start a DIN, otherwise `SYNTHETIC_FACILITY`."""
    try:
        isbt128.next_din(facility_id or "", 2000, None)
    except isbt128.InvalidCode:
        return SYNTHETIC_FACILITY
    return facility_id


class Numbering:
    """DINs and manufacturers' numbers that nothing uses yet.

    `highest_sequence(facility, year)`: the highest DIN sequence already used by the facility that year
    (None when none), asked once per facility and year; `highest_number`: the highest synthetic
    manufacturer's number already given (0 when none).
    """

    def __init__(self, highest_sequence, highest_number: int):
        self._highest_sequence = highest_sequence
        self._last_sequence: dict[tuple[str, int], int] = {}
        self._last_number = highest_number

    def din(self, facility: str, year: int) -> str:
        """The 13 characters of the facility's next DIN of `year` (ISBT 128: αpppp yy nnnnnn)."""
        key = (facility, year % 100)
        last = self._last_sequence.get(key)
        if last is None:
            last = self._highest_sequence(facility, year) or 0
        if last >= isbt128.LAST_SEQUENCE:
            raise ValueError(f"every DIN sequence of {facility} for {year} is used")
        self._last_sequence[key] = last + 1
        return f"{facility}{year % 100:02d}{last + 1:06d}"

    def manufacturer_number(self, manufacturer: str) -> str:
        self._last_number += 1
        return f"{NUMBER_PREFIXES[manufacturer]}{self._last_number:0{NUMBER_DIGITS}d}"


# Records ---------------------------------------------------------------------------------------------------

@dataclass(slots=True)
class Staff:
    """User ids of the treating center's staff, by what they do here (each list non-empty)."""

    apheresis: list
    pharmacists: list
    receipt_witnesses: list  # the second person at the receipt: another pharmacist (the pharmacy verifies)
    nurses: list  # thaw, bedside check and infusion
    bedside_witnesses: list  # the second person at the bedside: a haematologist or another nurse


@dataclass(slots=True)
class Event:
    """One CustodyEvent row. `on`: ON_COLLECTION, ON_PRODUCT or a bag number."""

    on: object
    action: str
    at: datetime
    actor: int
    second_person: int | None = None
    place: str = ""
    scanned: list = field(default_factory=list)
    temperature_c: Decimal | None = None
    meaning: str = ""
    second_meaning: str = ""


@dataclass(slots=True)
class Shipment:
    courier: str
    shipper_id: str
    seal_numbers: list
    departed_at: datetime
    arrived_at: datetime | None  # None: in transit


@dataclass(slots=True)
class Bag:
    number: int
    expiry: datetime
    dispensed_at: datetime | None = None
    dispensed_by: int | None = None
    thaw_started_at: datetime | None = None
    bedside_checked_at: datetime | None = None
    bedside_checked_by: int | None = None
    bedside_second_person: int | None = None
    infusion_started_at: datetime | None = None
    infusion_ended_at: datetime | None = None


@dataclass(slots=True)
class Product:
    manufacturer: str
    status: str
    registered_at: datetime
    number: str  # the manufacturer's chain-of-identity number
    failure_reason: str = ""
    shipment_back: Shipment | None = None
    bags: list[Bag] = field(default_factory=list)


@dataclass(slots=True)
class Reserve:
    """One DrugReserve row: the doses set aside for the episode, none used yet."""

    drug: str
    doses: int
    reserved_by: int
    reserved_at: datetime


@dataclass(slots=True)
class Custody:
    """Everything the product services would have written for one episode, events in time order."""

    din: str
    collected_at: datetime
    volume_ml: Decimal
    cd3_count: Decimal
    operator: int
    shipment_out: Shipment
    product: Product | None = None
    reserve: Reserve | None = None
    events: list[Event] = field(default_factory=list)


# Drawing ---------------------------------------------------------------------------------------------------

def _below(rng: random.Random, n: int) -> int:
    """0 to n - 1: `randrange(n)`, at half its cost (a few thousand chains a second)."""
    return int(rng.random() * n)


def _one(rng: random.Random, choices: list):
    return choices[_below(rng, len(choices))]


def _minutes(rng: random.Random, low: int, high: int) -> timedelta:
    """Whole minutes from `low` to `high` - 1."""
    return timedelta(0, 60 * (low + _below(rng, high - low)))


def _at(rng: random.Random, day: date, hour: int, minute: int, spread_minutes: int) -> datetime:
    """A whole minute of `day` from hour:minute to `spread_minutes` later (the same day)."""
    minutes = hour * 60 + minute + _below(rng, spread_minutes)
    return datetime(day.year, day.month, day.day, minutes // 60, minutes % 60)


def _tenths(value: float) -> Decimal:
    return Decimal(round(value * 10)).scaleb(-1)


def _shipment(rng: random.Random, departed_at: datetime, arrived_at: datetime | None) -> Shipment:
    first = _below(rng, 10**7 - 1)
    # One seal or two, numbered in sequence.
    seals = [f"{first:07d}", f"{first + 1:07d}"] if rng.random() < 0.5 else [f"{first:07d}"]
    return Shipment(_one(rng, COURIERS), f"DS-{10000 + _below(rng, 90000)}", seals, departed_at,
                    arrived_at)


def custody(rng: random.Random, lived, *, product: str, thaw_limit_minutes: int | None, tocilizumab_doses: int,
            facility: str, ipp: str, staff: Staff, numbering: Numbering, now: datetime) -> Custody | None:
    """The chain of an episode lived by `synthetic.pathway.episode`; None before the cells are collected.

    `facility`: the DIN's facility (see `facility_for`); `ipp`: the patient's IPP at the treating center
    (the wristband scanned at the bedside); `now`: local wall-clock time, the latest any event may be.
    """
    reached = {after: on for _before, after, on in lived.changes}
    collected_on = reached.get(State.COLLECTED)
    if collected_on is None:
        return None
    events = []
    # Collection: the apheresis ends late morning; the cells leave for the manufacturer that afternoon.
    collected_at = min(_at(rng, collected_on, 10, 30, 180), now)
    din = numbering.din(facility, collected_at.year)
    nurse = _one(rng, staff.apheresis)
    result = Custody(din=din, collected_at=collected_at, volume_ml=_tenths(min(max(rng.gauss(200, 50), 60), 400)),
                     cd3_count=Decimal(round(min(max(rng.lognormvariate(1.6, 0.5), 0.5), 40) * 100)).scaleb(-2),
                     operator=nurse, shipment_out=None)
    events.append(Event(ON_COLLECTION, COLLECTED, collected_at, nurse, scanned=[din_scan(din)]))
    departed = min(collected_at + _minutes(rng, 60, 240), now)
    manufacturing_on = reached.get(State.MANUFACTURING)
    # The manufacturer registers the product the morning the cells arrive (the day after the collection).
    registered_at = min(_at(rng, manufacturing_on, 9, 0, 420), now) if manufacturing_on else None
    arrived = max(registered_at - _minutes(rng, 30, 180), departed) if registered_at else None
    result.shipment_out = _shipment(rng, departed, arrived)
    events.append(Event(ON_COLLECTION, SHIPPED, departed, nurse, place=result.shipment_out.courier))
    if registered_at is None:
        result.events = events
        return result

    manufacturer = MANUFACTURERS[product]
    made = result.product = Product(manufacturer, IN_MANUFACTURING, registered_at,
                                    numbering.manufacturer_number(manufacturer))
    received_on = reached.get(State.PRODUCT_RECEIVED)
    if received_on is None:
        if lived.stop_reason == StopReason.MANUFACTURING_FAILURE:
            made.status, made.failure_reason = FAILED, lived.stop_note or DEFAULT_FAILURE
        result.events = events
        return result

    # Back to the center: shipped the day before, received that morning by a pharmacist and a witness.
    made.status = ACCEPTED
    arrived_back = min(_at(rng, received_on, 8, 0, 180), now)
    departed_back = min(_at(rng, received_on - timedelta(days=1), 14, 0, 240), arrived_back)
    made.shipment_back = _shipment(rng, departed_back, arrived_back)
    pharmacist = _one(rng, staff.pharmacists)
    events.append(Event(ON_PRODUCT, SHIPPED, departed_back, pharmacist, place=made.shipment_back.courier))
    witnesses = [user for user in staff.receipt_witnesses if user != pharmacist] or staff.receipt_witnesses
    received_at = min(arrived_back + _minutes(rng, 15, 90), now)
    events.append(Event(ON_PRODUCT, RECEIVED_ACTION, received_at, pharmacist, second_person=_one(rng, witnesses),
                        place=RECEIPT_PLACE, scanned=[din_scan(din), made.number],
                        temperature_c=_tenths(rng.uniform(-190, -165)), meaning=RECEIVED, second_meaning=VERIFIED))
    # Breyanzi comes as two components (CD8+ and CD4+); the others in one bag, now and then two.
    count = 2 if product == "breyanzi" or rng.random() < 0.3 else 1
    expiry_day = received_on + timedelta(days=330 + _below(rng, 66))
    expiry = datetime(expiry_day.year, expiry_day.month, expiry_day.day, 23, 59)
    made.bags = [Bag(number, expiry) for number in range(1, count + 1)]

    admitted_on = reached.get(State.ADMITTED)
    if admitted_on is not None:
        reserved_at = min(_at(rng, admitted_on, 9, 0, 480), now)
        result.reserve = Reserve(TOCILIZUMAB, tocilizumab_doses, pharmacist, reserved_at)
    infused_on = reached.get(State.INFUSED)
    if infused_on is not None:
        _infuse(rng, made.bags[0], din, ipp, infused_on, thaw_limit_minutes, staff, pharmacist, now, events)
    result.events = events
    return result


def _infuse(rng: random.Random, bag: Bag, din: str, ipp: str, day: date, limit: int | None, staff: Staff,
            pharmacist: int, now: datetime, events: list) -> None:
    """Dispensed on the infusion morning, then thawed, checked and infused within the thaw limit."""
    bag.dispensed_at = min(_at(rng, day, 8, 0, 120), now)
    bag.dispensed_by = pharmacist
    scan = din_scan(din)
    events.append(Event(bag.number, DISPENSED_ACTION, bag.dispensed_at, pharmacist, scanned=[scan],
                        meaning=DISPENSED))
    nurse = _one(rng, staff.nurses)
    thaw = min(bag.dispensed_at + _minutes(rng, 20, 90), now)
    # From the start of the thaw to the end of the infusion (whole seconds): half to nearly all of the limit.
    span = round((limit or THAW_BUDGET_MINUTES) * 60 * rng.uniform(0.5, 0.95))
    checked = min(thaw + timedelta(0, round(span * rng.uniform(0.15, 0.35))), now)
    started = min(checked + timedelta(0, round(span * rng.uniform(0.05, 0.15))), now)
    ended = min(thaw + timedelta(0, span), now)
    witnesses = [user for user in staff.bedside_witnesses if user != nurse] or staff.bedside_witnesses
    witness = _one(rng, witnesses)
    bag.thaw_started_at, bag.bedside_checked_at, bag.infusion_started_at, bag.infusion_ended_at = (
        thaw, checked, started, ended)
    bag.bedside_checked_by, bag.bedside_second_person = nurse, witness
    events += [
        Event(bag.number, THAWED, thaw, nurse),
        Event(bag.number, BEDSIDE_CHECKED, checked, nurse, second_person=witness, scanned=[ipp, scan],
              meaning=CHECKED_AT_BEDSIDE, second_meaning=VERIFIED),
        Event(bag.number, INFUSION_STARTED, started, nurse),
        Event(bag.number, INFUSED, ended, nurse),
    ]
