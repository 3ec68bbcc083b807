"""Cryostorage through the services: place, move, remove a bag (scanned, journaled), readings and alarms."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cellrelay.journal.models import JournalEntry
from cellrelay.pharmacy import storage
from cellrelay.pharmacy.models import Position, StorageAlarm, TankReading
from cellrelay.products.models import CustodyEvent, Deviation
from tests.pharmacy.helpers import COI_A, SCAN_A, received_bags, tank_with_positions
from tests.products.test_custody import other_product  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def bags(episode, users):
    return received_bags(episode, users)


@pytest.fixture
def tank(org):
    return tank_with_positions(org)


def refused(call, field):
    with pytest.raises(ValidationError) as caught:
        call()
    assert field in caught.value.message_dict, caught.value.message_dict
    return " ".join(caught.value.message_dict[field])


def journaled(action) -> int:
    return JournalEntry.objects.filter(action=action).count()


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
