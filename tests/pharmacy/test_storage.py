"""Cryostorage through the services: place, move, remove a bag (scanned, journaled), readings and alarms."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cellrelay.journal.models import JournalEntry
from cellrelay.pharmacy.services import storage
from cellrelay.pharmacy.models import Position, StorageAlarm, Tank, TankReading
from cellrelay.products.models import CustodyEvent, Deviation
from tests.pharmacy.helpers import COI_A, SCAN_A, received_bags, tank_with_positions
from tests.products.test_custody import other_product  # noqa: F401 - fixture
from tests.products.test_custody import journaled, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def bags(episode, users):
    return received_bags(episode, users)


@pytest.fixture
def tank(org):
    return tank_with_positions(org)


def test_a_bag_is_placed_with_a_custody_event_and_a_journal_entry(bags, tank, users):
    _, (a1, *_) = tank
    position = storage.place_bag(actor=users["pharmacist"], bag=bags[0], position=a1, scanned_bag_code=SCAN_A)
    assert position.bag == bags[0] and str(position) == "Cuve 1/R1/B1/A1"
    event = CustodyEvent.objects.get(bag=bags[0])
    assert (event.action, event.place, event.actor, event.scanned) == (
        "stored", "Cuve 1/R1/B1/A1", users["pharmacist"], [SCAN_A])
    entry = JournalEntry.objects.get(action="pharmacy.bag_stored")
    assert entry.after["position"] == "Cuve 1/R1/B1/A1" and entry.patient_id == bags[0].product.episode.patient_id


def test_an_occupied_position_is_refused_with_its_name(bags, tank, users):
    _, (a1, *_) = tank
    storage.place_bag(actor=users["pharmacist"], bag=bags[0], position=a1, scanned_bag_code=COI_A)
    message = refused(lambda: storage.place_bag(actor=users["pharmacist"], bag=bags[1], position=a1,
                                                scanned_bag_code=SCAN_A), "position")
    assert "Position Cuve 1/R1/B1/A1 is occupied" in message
    assert Position.objects.get(pk=a1.pk).bag == bags[0]
    assert journaled("pharmacy.bag_stored") == 1


def test_a_bag_is_in_one_position_only(bags, tank, users):
    _, (a1, a2, _a3) = tank
    storage.place_bag(actor=users["pharmacist"], bag=bags[0], position=a1, scanned_bag_code=SCAN_A)
    assert "already stored in Cuve 1/R1/B1/A1" in refused(lambda: storage.place_bag(
        actor=users["pharmacist"], bag=bags[0], position=a2, scanned_bag_code=SCAN_A), "bag")
    assert "already in position" in refused(lambda: storage.place_bag(
        actor=users["pharmacist"], bag=bags[0], position=a1, scanned_bag_code=SCAN_A), "position")


def test_the_database_refuses_a_bag_in_two_positions(bags, tank):
    from django.db import IntegrityError, transaction

    _, (a1, a2, _a3) = tank
    Position.objects.filter(pk=a1.pk).update(bag=bags[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        Position.objects.filter(pk=a2.pk).update(bag=bags[0])


def test_another_patients_code_is_a_hard_stop_with_a_deviation(bags, tank, users, other_product):  # noqa: F811
    _, (a1, *_) = tank
    message = refused(lambda: storage.place_bag(actor=users["pharmacist"], bag=bags[0], position=a1,
                                                scanned_bag_code="KITE-999"), "scanned_bag_code")
    assert "HARD STOP" in message and "another patient's product" in message and "KITE-123" in message
    deviation = Deviation.objects.get()
    assert (deviation.kind, deviation.product, deviation.other_product) == (
        "identity_mismatch", bags[0].product, other_product)
    assert journaled("products.deviation_recorded") == 1
    assert Position.objects.get(pk=a1.pk).bag is None
    assert not CustodyEvent.objects.filter(action="stored").exists() and journaled("pharmacy.bag_stored") == 0


def test_an_unknown_code_is_a_hard_stop_too(bags, tank, users):
    _, (a1, *_) = tank
    message = refused(lambda: storage.place_bag(actor=users["pharmacist"], bag=bags[0], position=a1,
                                                scanned_bag_code="NOPE-1"), "scanned_bag_code")
    assert "NOPE-1 is not an identifier of bag 1" in message
    assert Deviation.objects.get().other_product is None


def test_a_bag_moves_in_one_step(bags, tank, users):
    _, (a1, a2, a3) = tank
    storage.place_bag(actor=users["pharmacist"], bag=bags[0], position=a1, scanned_bag_code=SCAN_A)
    storage.place_bag(actor=users["pharmacist"], bag=bags[1], position=a3, scanned_bag_code=SCAN_A)
    assert "Position Cuve 1/R1/B1/A3 is occupied" in refused(lambda: storage.move_bag(
        actor=users["pharmacist"], bag=bags[0], to_position=a3, scanned_bag_code=SCAN_A), "position")
    target = storage.move_bag(actor=users["pharmacist"], bag=bags[0], to_position=a2, scanned_bag_code=SCAN_A)
    assert target.bag == bags[0] and Position.objects.get(pk=a1.pk).bag is None
    event = CustodyEvent.objects.get(action="moved")
    assert event.place == "Cuve 1/R1/B1/A2"
    entry = JournalEntry.objects.get(action="pharmacy.bag_moved")
    assert (entry.before["position"], entry.after["position"]) == ("Cuve 1/R1/B1/A1", "Cuve 1/R1/B1/A2")


def test_a_bag_not_stored_cannot_move(bags, tank, users):
    _, (a1, *_) = tank
    assert "not in storage" in refused(lambda: storage.move_bag(
        actor=users["pharmacist"], bag=bags[0], to_position=a1, scanned_bag_code=SCAN_A), "bag")


def test_a_bag_is_removed_with_its_reason(bags, tank, users):
    _, (a1, *_) = tank
    storage.place_bag(actor=users["pharmacist"], bag=bags[0], position=a1, scanned_bag_code=SCAN_A)
    refused(lambda: storage.remove_bag(actor=users["pharmacist"], bag=bags[0], scanned_bag_code=SCAN_A,
                                       reason=" "), "reason")
    storage.remove_bag(actor=users["pharmacist"], bag=bags[0], scanned_bag_code=SCAN_A, reason="Transfer to CHU B")
    assert Position.objects.get(pk=a1.pk).bag is None
    assert CustodyEvent.objects.get(action="removed").place == "Cuve 1/R1/B1/A1"
    assert JournalEntry.objects.get(action="pharmacy.bag_removed").after["reason"] == "Transfer to CHU B"
    assert "not in storage" in refused(lambda: storage.remove_bag(
        actor=users["pharmacist"], bag=bags[0], scanned_bag_code=SCAN_A, reason="again"), "bag")


# Readings and alarms ------------------------------------------------------------------------------------

def test_a_reading_within_thresholds_raises_no_alarm(tank, users):
    reading = storage.record_reading(actor_or_none=users["pharmacist"], tank=tank[0], ln2_level_percent=80,
                                     temperature_c=Decimal("-190"), source="typed")
    assert reading.recorded_by == users["pharmacist"] and not StorageAlarm.objects.exists()
    assert journaled("pharmacy.tank_reading") == 1 and journaled("pharmacy.storage_alarm") == 0


def test_at_the_thresholds_is_no_alarm(tank, users):
    storage.record_reading(actor_or_none=None, tank=tank[0], ln2_level_percent=30, temperature_c=-150,
                           source="probe")
    assert not StorageAlarm.objects.exists()


def test_a_low_level_and_a_warm_tank_raise_two_alarms(tank, users):
    reading = storage.record_reading(actor_or_none=None, tank=tank[0], ln2_level_percent=Decimal("29.5"),
                                     temperature_c=Decimal("-149.5"), source="probe")
    assert reading.recorded_by is None and reading.source == "probe"
    assert sorted(StorageAlarm.objects.values_list("kind", flat=True)) == ["level", "temperature"]
    entries = JournalEntry.objects.filter(action="pharmacy.storage_alarm")
    assert entries.count() == 2 and {e.actor_label for e in entries} == {"probe"}
    assert {e.center_id for e in entries} == {tank[0].center_id}
    alarm = storage.acknowledge_alarm(actor=users["pharmacist"], alarm=StorageAlarm.objects.first())
    assert alarm.acknowledged_by == users["pharmacist"] and journaled("pharmacy.storage_alarm_acknowledged") == 1
    refused(lambda: storage.acknowledge_alarm(actor=users["pharmacist"], alarm=alarm), "alarm")


def test_a_typed_reading_names_its_author_and_levels_stay_in_range(tank, users):
    refused(lambda: storage.record_reading(actor_or_none=None, tank=tank[0], ln2_level_percent=50,
                                           temperature_c=-190, source="typed"), "source")
    refused(lambda: storage.record_reading(actor_or_none=users["pharmacist"], tank=tank[0], ln2_level_percent=101,
                                           temperature_c=-190, source="typed"), "ln2_level_percent")
    assert not TankReading.objects.exists()


def test_a_reading_is_kept_to_the_tenth_and_an_impossible_temperature_is_refused(tank, users):
    reading = storage.record_reading(actor_or_none=users["pharmacist"], tank=tank[0], ln2_level_percent=55.26,
                                     temperature_c=-190.04)
    reading.refresh_from_db()
    assert (reading.ln2_level_percent, reading.temperature_c) == (Decimal("55.3"), Decimal("-190.0"))
    assert JournalEntry.objects.get(action="pharmacy.tank_reading").after["ln2_level_percent"] == "55.3"
    message = refused(lambda: storage.record_reading(actor_or_none=users["pharmacist"], tank=tank[0],
                                                     ln2_level_percent=50, temperature_c=999), "temperature_c")
    assert "999.0 °C is a typing or probe error" in message
    refused(lambda: storage.record_reading(actor_or_none=users["pharmacist"], tank=tank[0], ln2_level_percent="n/a",
                                           temperature_c=-190), "ln2_level_percent")
    assert TankReading.objects.count() == 1


# Setting up a tank ---------------------------------------------------------------------------------------

def test_positions_are_labelled_as_a_square_grid():
    assert storage.grid_labels(4) == ["A1", "A2", "B1", "B2"]
    assert storage.grid_labels(5) == ["A1", "A2", "A3", "B1", "B2"]
    assert storage.grid_labels(1) == ["A1"]
    hundred = storage.grid_labels(100)
    assert hundred[:11] == ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "A10", "B1"]
    assert hundred[-1] == "J10" and len(set(hundred)) == 100


def new_tank(org, users, **overrides):
    fields = dict(actor=users["pharmacist"], center=org["treating"], name="Cuve A", racks=3, boxes_per_rack=2,
                  positions_per_box=9, ln2_min_level_percent=Decimal("25"), max_temperature_c=-150)
    fields.update(overrides)
    return storage.create_tank(**fields)


def test_a_tank_is_set_up_with_its_racks_boxes_and_positions(org, users):
    tank = new_tank(org, users, name="  Cuve A ")
    assert (tank.name, tank.ln2_min_level_percent, tank.max_temperature_c) == ("Cuve A", 25, -150)
    assert list(tank.racks.order_by("pk").values_list("label", flat=True)) == ["R1", "R2", "R3"]
    positions = Position.objects.filter(box__rack__tank=tank).order_by("pk")
    assert positions.count() == 3 * 2 * 9
    assert [str(p) for p in positions[:4]] == ["Cuve A/R1/B1/A1", "Cuve A/R1/B1/A2", "Cuve A/R1/B1/A3",
                                               "Cuve A/R1/B1/B1"]
    assert str(positions.last()) == "Cuve A/R3/B2/C3" and not positions.filter(bag__isnull=False).exists()
    entry = JournalEntry.objects.get(action="pharmacy.tank_created")
    assert (entry.actor, entry.center_id, entry.after["positions"]) == (users["pharmacist"], org["treating"].pk, 54)


def test_a_tank_with_bad_values_is_refused_field_by_field_and_nothing_is_built(org, users):
    new_tank(org, users)
    with pytest.raises(ValidationError) as caught:
        new_tank(org, users, name="CUVE a", racks=0, boxes_per_rack=21, positions_per_box=101,
                 ln2_min_level_percent=100, max_temperature_c=-100)
    assert set(caught.value.message_dict) == {"name", "racks", "boxes_per_rack", "positions_per_box",
                                              "ln2_min_level_percent", "max_temperature_c"}
    assert "already exists at this center" in caught.value.message_dict["name"][0]
    for name, message in (("", "Name the tank"), ("Cuve/2", "cannot contain “/”"), ("x" * 41, "at most 40")):
        assert message in refused(lambda: new_tank(org, users, name=name), "name")
    refused(lambda: new_tank(org, users, name="B", racks=True), "racks")
    refused(lambda: new_tank(org, users, name="B", positions_per_box=None), "positions_per_box")
    refused(lambda: new_tank(org, users, name="B", ln2_min_level_percent="abc"), "ln2_min_level_percent")
    refused(lambda: new_tank(org, users, name="B", max_temperature_c=-196), "max_temperature_c")
    assert Tank.objects.count() == 1 and journaled("pharmacy.tank_created") == 1


def test_the_same_name_is_allowed_at_another_center(org, users, outsider):
    from cellrelay.organisation.models import Membership

    new_tank(org, users)
    other = new_tank(org, users, center=Membership.objects.get(user=outsider).center, racks=1, boxes_per_rack=1,
                     positions_per_box=1)
    assert other.name == "Cuve A" and Tank.objects.count() == 2
