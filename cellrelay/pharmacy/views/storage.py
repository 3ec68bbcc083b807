"""Pages of the pharmacy's cryostorage (*stockage en azote liquide*): the occupancy map of the tanks, setting
up a tank, its readings and alarms, and placing, moving and removing a bag with a scan of its label.

Views parse, check access and call one service (``services.storage``); they never write models. Tanks and alarms
are scoped by center (404 outside the user's centers where they manage the storage), bags by their patient
(``patients.access.reach``).
The bag services commit a hard stop's deviation before refusing: they are called here outside any
transaction (no ATOMIC_REQUESTS), so the refusal does not roll the deviation back.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from cellrelay import bounded
from cellrelay.bounded import Bounded
from cellrelay.journal.reads import shown
from cellrelay.organisation import access
from cellrelay.organisation.models import Center
from cellrelay.organisation.permissions import Action
from cellrelay.patients.access import patients_for, reach
from cellrelay.products.models import Bag, Identifier, Product
from cellrelay.web import posted, run_service, url_for_each

from ..forms import ConfirmForm, PlaceForm, ReadingForm, RemoveForm, TankForm
from ..models import Box, Position, Rack, StorageAlarm, Tank, TankReading
from ..services import storage
from ..waiting import waiting_bags

READINGS_SHOWN = 50
# Bags to place listed at once, the longest waiting first (a screen, as the worklists); the page says how many more
# wait, counted up to WAITING_COUNT_CAP ("81+ more"): a pharmacy places a few bags a day, a larger exact number would
# change nothing it does, and each bag counted is checked in the user's scope (its product, episode and patient).
WAITING_SHOWN = 20
WAITING_COUNT_CAP = 100
BAGS = Bag.objects.select_related("product__episode__template")


# Access ------------------------------------------------------------------------------------------------

def _storage_centers(user) -> list[int]:
    return access.centers_for(user, Action.MANAGE_STORAGE)


def _tank_for(user, pk) -> Tank:
    """The tank when it is at one of the user's centers where they manage the storage; 404 otherwise."""
    return get_object_or_404(Tank.objects.select_related("center"), pk=pk, center_id__in=_storage_centers(user))


def _alarm_for(user, pk) -> StorageAlarm:
    return get_object_or_404(
        StorageAlarm.objects.select_related("tank__center", "reading__recorded_by", "acknowledged_by"),
        pk=pk, tank__center_id__in=_storage_centers(user))


# What a bag is, as the pharmacist reads it on its label ------------------------------------------------------

def identifiers_by_product(product_ids) -> dict[int, list[Identifier]]:
    found: dict[int, list[Identifier]] = {}
    # Ordered by product id, not by the products' registration (the model's order): no join to the products.
    for identifier in Identifier.objects.filter(product_id__in=set(product_ids)).order_by("product_id", "scheme",
                                                                                          "value"):
        found.setdefault(identifier.product_id, []).append(identifier)
    return found


def din_of(identifiers: list[Identifier]) -> str:
    """The DIN (the number on every ISBT 128 label), else the first identifier."""
    for identifier in identifiers:
        if identifier.scheme == Identifier.Scheme.DIN:
            return identifier.value
    return identifiers[0].value if identifiers else ""


# The occupancy map --------------------------------------------------------------------------------------------

@dataclass
class Cell:
    position: Position
    bag: Bag | None = None
    patient: object = None  # None when the patient is out of the user's scope: the name is not shown
    din: str = ""
    identifiers: str = ""
    quarantined: bool = False


@dataclass
class TankView:
    tank: Tank
    latest: TankReading | None
    open_alarms: list
    racks: list = field(default_factory=list)  # [(rack, [(box, rows of cells)], bags held in the rack)]
    free: int = 0
    occupied: int = 0


def grid_rows(cells: list[Cell]) -> list[list[Cell]]:
    """A box's cells in rows: one row per leading letter of the labels (A1…A5, B1…), as on the box's lid;
    labels without a letter make one row."""
    rows: dict[str, list[Cell]] = {}
    for cell in cells:
        rows.setdefault(cell.position.label.rstrip("0123456789"), []).append(cell)
    return list(rows.values())


def _tanks_with_positions(user) -> list[Tank]:
    positions = Position.objects.order_by("pk").select_related("bag__product__episode__patient")
    boxes = Box.objects.order_by("pk").prefetch_related(Prefetch("positions", queryset=positions))
    racks = Rack.objects.order_by("pk").prefetch_related(Prefetch("boxes", queryset=boxes))
    return list(Tank.objects.filter(center_id__in=_storage_centers(user)).select_related("center")
                .prefetch_related(Prefetch("racks", queryset=racks)).order_by("center__name", "name", "pk"))


def _latest_reading(tank: Tank) -> TankReading | None:
    return tank.readings.select_related("recorded_by").order_by("-at", "-pk").first()


def _open_alarms(tank: Tank) -> list[StorageAlarm]:
    alarms = list(tank.alarms.filter(acknowledged_at__isnull=True).select_related("reading").order_by("raised_at"))
    for alarm in alarms:
        alarm.text = alarm_text(alarm, tank)
    return alarms


def occupancy(user) -> tuple[list[TankView], set]:
    """Every tank of the user's centers, rack by rack and box by box, and the patients shown by name."""
    tanks = _tanks_with_positions(user)
    bags = [p.bag for t in tanks for r in t.racks.all() for b in r.boxes.all() for p in b.positions.all() if p.bag]
    identifiers = identifiers_by_product(bag.product_id for bag in bags)
    visible = set(patients_for(user).filter(
        pk__in={bag.product.episode.patient_id for bag in bags}).values_list("pk", flat=True))
    named, views = set(), []
    for tank in tanks:
        view = TankView(tank=tank, latest=_latest_reading(tank), open_alarms=_open_alarms(tank))
        for rack in tank.racks.all():
            boxes, held = [], 0
            for box in rack.boxes.all():
                cells = [_cell(position, identifiers, visible) for position in box.positions.all()]
                held += sum(1 for cell in cells if cell.bag)
                view.free += sum(1 for cell in cells if not cell.bag)
                named |= {cell.patient for cell in cells if cell.patient is not None}
                boxes.append((box, grid_rows(cells)))
            view.occupied += held
            view.racks.append((rack, boxes, held))
        views.append(view)
    return views, named


def _cell(position: Position, identifiers: dict, visible: set) -> Cell:
    bag = position.bag
    if bag is None:
        return Cell(position)
    patient = bag.product.episode.patient
    own = identifiers.get(bag.product_id, [])
    return Cell(position, bag, patient if patient.pk in visible else None, din_of(own),
                ", ".join(str(identifier) for identifier in own),
                bag.product.status == Product.Status.QUARANTINED)


def bags_to_place(user) -> Bounded:
    """The bags waiting for a place (``waiting.py``) of the patients the user manages the storage for: the
    ``WAITING_SHOWN`` longest waiting, with their patient, DIN and link, and how many in all (up to
    ``WAITING_COUNT_CAP``), both read from the waiting bags' index in its order."""
    waiting = bounded.first(waiting_bags(patients_for(user, Action.MANAGE_STORAGE))
                            .select_related("product__episode__patient"), WAITING_SHOWN, cap=WAITING_COUNT_CAP)
    identifiers = identifiers_by_product(bag.product_id for bag in waiting.rows)
    place_url = url_for_each("pharmacy:bag_place")
    for bag in waiting.rows:
        bag.din = din_of(identifiers.get(bag.product_id, []))
        bag.quarantined = bag.product.status == Product.Status.QUARANTINED
        # The status's label, not get_status_display (which hashes every choice, translating each, for each row).
        bag.status_label = Product.Status(bag.product.status).label
        bag.place_url = place_url(bag.pk)
    return waiting


@access.requires(Action.MANAGE_STORAGE)
def storage_map(request):
    tanks, on_the_map = occupancy(request.user)
    waiting = bags_to_place(request.user)
    shown(request.user, on_the_map | {bag.product.episode.patient for bag in waiting.rows})  # one entry for the page
    return render(request, "pharmacy/storage.html", {"tanks": tanks, "waiting": waiting.rows,
                                                     "waiting_more": waiting.beyond,
                                                     "waiting_more_text": waiting.beyond_text})


# Tanks ---------------------------------------------------------------------------------------------------

@access.requires(Action.MANAGE_STORAGE)
def tank_new(request):
    centers = list(Center.objects.filter(pk__in=_storage_centers(request.user)).order_by("name"))
    form = TankForm(posted(request), centers=centers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        center = next(center for center in centers if center.pk == data["center"])
        tank = run_service(form, lambda: storage.create_tank(
            actor=request.user, center=center, name=data["name"], racks=data["racks"],
            boxes_per_rack=data["boxes_per_rack"], positions_per_box=data["positions_per_box"],
            ln2_min_level_percent=data["ln2_min_level_percent"], max_temperature_c=data["max_temperature_c"]))
        if tank is not None:
            messages.success(request, _("Tank %(name)s is set up.") % {"name": tank.name})
            return redirect("pharmacy:tank", tank.pk)
    return render(request, "pharmacy/tank_new.html", {"form": form})


@dataclass
class ReadingRow:
    reading: TankReading
    low_level: bool
    warm: bool


def reading_rows(tank: Tank) -> list[ReadingRow]:
    """The latest readings, newest first, each marked when beyond the tank's thresholds."""
    readings = tank.readings.select_related("recorded_by").order_by("-at", "-pk")[:READINGS_SHOWN]
    return [ReadingRow(r, r.ln2_level_percent < tank.ln2_min_level_percent, r.temperature_c > tank.max_temperature_c)
            for r in readings]


def _tank_page(request, tank: Tank, form: ReadingForm, status: int = 200):
    alarms = list(tank.alarms.select_related("reading", "acknowledged_by").order_by("-raised_at", "-pk"))
    for alarm in alarms:
        alarm.text = alarm_text(alarm, tank)
    return render(request, "pharmacy/tank.html", {
        "tank": tank, "rows": reading_rows(tank), "form": form, "shown": READINGS_SHOWN,
        "open_alarms": [a for a in alarms if a.acknowledged_at is None],
        "acknowledged": [a for a in alarms if a.acknowledged_at is not None],
    }, status=status)


@access.requires(Action.MANAGE_STORAGE)
def tank(request, pk):
    return _tank_page(request, _tank_for(request.user, pk), ReadingForm())


@access.requires(Action.MANAGE_STORAGE)
def tank_reading(request, pk):
    """The reading typed from the tank's gauges; an alarm raised is said on the tank's page."""
    tank = _tank_for(request.user, pk)
    form = ReadingForm(posted(request))
    if request.method == "POST" and form.is_valid():
        reading = run_service(form, lambda: storage.record_reading(
            actor_or_none=request.user, tank=tank, ln2_level_percent=form.cleaned_data["ln2_level_percent"],
            temperature_c=form.cleaned_data["temperature_c"], source=TankReading.Source.TYPED))
        if reading is not None:
            _say_alarms(request, tank, reading)
            return redirect("pharmacy:tank", tank.pk)
    return render(request, "pharmacy/reading.html", {"tank": tank, "form": form})


def alarm_text(alarm: StorageAlarm, tank: Tank) -> str:
    if alarm.kind == StorageAlarm.Kind.LEVEL:
        return _("LN2 level %(value)s %% is below the tank's lowest level, %(threshold)s %%.") % {
            "value": alarm.reading.ln2_level_percent, "threshold": tank.ln2_min_level_percent}
    return _("Temperature %(value)s °C is above the tank's highest temperature, %(threshold)s °C.") % {
        "value": alarm.reading.temperature_c, "threshold": tank.max_temperature_c}


def _say_alarms(request, tank: Tank, reading: TankReading) -> None:
    alarms = reading.raised_alarms
    if not alarms:
        messages.success(request, _("Reading recorded: within the tank's thresholds."))
        return
    messages.warning(request, _("ALARM raised on tank %(tank)s: %(what)s Check the tank now, then acknowledge "
                                "the alarm.") % {"tank": tank.name,
                                                 "what": " ".join(alarm_text(a, tank) for a in alarms)})


@access.requires(Action.MANAGE_STORAGE)
def alarm_acknowledge(request, pk):
    alarm = _alarm_for(request.user, pk)
    form = ConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        if run_service(form, lambda: storage.acknowledge_alarm(actor=request.user, alarm=alarm)) is not None:
            messages.success(request, _("Alarm acknowledged."))
            return redirect("pharmacy:tank", alarm.tank_id)
    return render(request, "pharmacy/alarm_acknowledge.html", {
        "alarm": alarm, "tank": alarm.tank, "text": alarm_text(alarm, alarm.tank), "form": form})


# Bags: place, move, remove -----------------------------------------------------------------------------------

def _bag_context(bag: Bag) -> dict:
    """What the pharmacist checks against the bag in their hand: the patient, the product, its identifiers."""
    patient = bag.product.episode.patient
    return {"bag": bag, "patient": patient, "product": bag.product,
            "identifiers": list(bag.product.identifiers.all()), "position": storage.position_of(bag),
            "quarantined": bag.product.status == Product.Status.QUARANTINED}


def _place_form(request, bag: Bag, *, propose_first: bool) -> PlaceForm:
    center_id = bag.product.episode.patient.treating_center_id
    return PlaceForm(posted(request), free=storage.free_positions(center_id), propose_first=propose_first,
                     center_positions=Position.objects.filter(box__rack__tank__center_id=center_id))


def _bag_page(request, bag: Bag, *, kind: str, title: str, blocked: str, form, call, done):
    """The common page of placing, moving and removing: a refusal reason instead of the form when the bag
    cannot be handled (200: nothing is wrong with asking), the service's refusals beside the fields."""
    if not blocked and request.method == "POST" and form.is_valid():
        position = run_service(form, lambda: call(form.cleaned_data))
        if position is not None:
            messages.success(request, done(position))
            return redirect("pharmacy:storage")
    if form.is_bound:
        form.forget_refused_scan()
    context = _bag_context(bag)
    context.update({"form": form, "kind": kind, "title": title, "blocked": blocked,
                    "no_free_position": kind != "remove" and not form.fields["position"].widget.choices[1:]})
    return render(request, "pharmacy/bag_form.html", context)


@access.requires(Action.MANAGE_STORAGE)
def bag_place(request, pk):
    bag = reach(request.user, BAGS, pk, Action.MANAGE_STORAGE, patient="product__episode__patient")
    return _bag_page(
        request, bag, kind="place", title=_("Place a bag in a tank"), blocked=storage.why_not_placed(bag),
        form=_place_form(request, bag, propose_first=True),
        call=lambda data: storage.place_bag(actor=request.user, bag=bag, position=data["position"],
                                            scanned_bag_code=data["scanned_bag_code"]),
        done=lambda position: _("Bag %(number)s placed in %(position)s.") % {"number": bag.number,
                                                                            "position": position})


@access.requires(Action.MANAGE_STORAGE)
def bag_move(request, pk):
    bag = reach(request.user, BAGS, pk, Action.MANAGE_STORAGE, patient="product__episode__patient")
    return _bag_page(
        request, bag, kind="move", title=_("Move a bag"), blocked=storage.why_not_stored(bag),
        form=_place_form(request, bag, propose_first=False),
        call=lambda data: storage.move_bag(actor=request.user, bag=bag, to_position=data["position"],
                                           scanned_bag_code=data["scanned_bag_code"]),
        done=lambda position: _("Bag %(number)s moved to %(position)s.") % {"number": bag.number,
                                                                           "position": position})


@access.requires(Action.MANAGE_STORAGE)
def bag_remove(request, pk):
    bag = reach(request.user, BAGS, pk, Action.MANAGE_STORAGE, patient="product__episode__patient")
    return _bag_page(
        request, bag, kind="remove", title=_("Remove a bag from storage"), blocked=storage.why_not_stored(bag),
        form=RemoveForm(posted(request)),
        call=lambda data: storage.remove_bag(actor=request.user, bag=bag, scanned_bag_code=data["scanned_bag_code"],
                                             reason=data["reason"]),
        done=lambda position: _("Bag %(number)s removed from %(position)s.") % {"number": bag.number,
                                                                               "position": position})
