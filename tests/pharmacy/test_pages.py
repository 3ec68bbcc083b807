"""The cryostorage pages as the pharmacist uses them: the occupancy map, placing, moving and removing a bag
with a scan, typed readings and their alarms, setting up a tank."""

from decimal import Decimal

import pytest
from django.utils import timezone

from cellrelay.journal.models import JournalEntry
from cellrelay.organisation.models import Center, Membership, User
from cellrelay.organisation.permissions import Role
from cellrelay.pathway.models import Episode
from cellrelay.pathway.services import stop_episode
from cellrelay.pathway.states import StopReason
from cellrelay.pharmacy.services import storage
from cellrelay.pharmacy.models import Position, StorageAlarm, Tank
from cellrelay.products.models import CustodyEvent, Deviation
from tests.conftest import PASSWORD
from tests.pharmacy.helpers import COI_A, DIN_A, SCAN_A, received_bags, tank_with_positions
from tests.products.test_custody import other_product  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

STORAGE = "/pharmacy/storage/"


@pytest.fixture
def bags(episode, users):
    return received_bags(episode, users)


@pytest.fixture
def tank(org):
    return tank_with_positions(org)


@pytest.fixture
def pharmacist(client_as):
    return client_as("pharmacist")


def text(response) -> str:
    return response.content.decode()


def place(bag, position, users, scan=SCAN_A):
    return storage.place_bag(actor=users["pharmacist"], bag=bag, position=position, scanned_bag_code=scan)


def journaled(action, **filters) -> int:
    return JournalEntry.objects.filter(action=action, **filters).count()


# The occupancy map ------------------------------------------------------------------------------------------

def test_the_map_shows_who_is_where_and_the_bags_to_place(pharmacist, bags, tank, users, patient):
    place(bags[0], tank[1][0], users)
    response = pharmacist.get(STORAGE)
    assert response.status_code == 200
    page = text(response)
    occupied = page[page.index('class="occupied'):]
    occupied = occupied[:occupied.index("</td>")]
    assert "A1" in occupied and "GARNIER Michel" in occupied and DIN_A in occupied and "bag 1" in occupied
    assert f"/pharmacy/bags/{bags[0].pk}/move/" in occupied and f"/pharmacy/bags/{bags[0].pk}/remove/" in occupied
    assert page.count('class="free"') == 2
    waiting = page[page.index("Bags to place"):page.index('class="tank card"')]
    assert f"/pharmacy/bags/{bags[1].pk}/place/" in waiting and f"/pharmacy/bags/{bags[0].pk}/place/" not in waiting
    assert "Set up a tank" in page and "No reading yet." in page
    assert journaled("patients.listed", patient_id=patient.pk, actor=users["pharmacist"]) == 1  # one entry for the map


def test_a_quarantined_product_is_marked_among_the_bags_to_place(pharmacist, episode, users):
    received_bags(episode, users, temperature=Decimal("-100"))
    page = text(pharmacist.get(STORAGE))
    assert page.count("QUARANTINE") == 2  # one per bag


def test_the_bags_to_place_are_those_awaiting_an_infusion_the_oldest_first_with_how_many_more(
        pharmacist, bags, episode, users, monkeypatch):
    monkeypatch.setattr("cellrelay.pharmacy.views.storage.WAITING_SHOWN", 1)
    page = text(pharmacist.get(STORAGE))
    waiting = page[page.index("Bags to place"):page.index("</section>")]
    assert f"/pharmacy/bags/{bags[0].pk}/place/" in waiting and f"/pharmacy/bags/{bags[1].pk}/place/" not in waiting
    assert "1 more bag waits for a place" in waiting
    # The bags of an episode stopped before its infusion are no work for today: not listed among those to place.
    stop_episode(actor=users["haematologist"], episode=Episode.objects.get(pk=episode.pk),
                 reason=StopReason.PROGRESSION, on=timezone.localdate(), expected_version=None)
    assert "No bag is waiting for a place." in text(pharmacist.get(STORAGE))


def test_the_bags_to_place_are_counted_up_to_a_cap(pharmacist, episode, users, monkeypatch):
    received_bags(episode, users, count=3)
    monkeypatch.setattr("cellrelay.pharmacy.views.storage.WAITING_SHOWN", 1)
    monkeypatch.setattr("cellrelay.pharmacy.views.storage.WAITING_COUNT_CAP", 2)
    assert "2+ more bags wait for a place" in text(pharmacist.get(STORAGE))


def test_the_map_shows_the_latest_reading_and_who_typed_it(pharmacist, tank, users):
    storage.record_reading(actor_or_none=users["pharmacist"], tank=tank[0], ln2_level_percent=Decimal("64.5"),
                           temperature_c=-187, source="typed")
    page = text(pharmacist.get(STORAGE))
    assert "64.5 % · -187.0 °C" in page and "Sophie Dubois" in page and 'role="alert"' not in page


# Placing, moving, removing ---------------------------------------------------------------------------------------

def test_placing_through_the_page_with_the_right_scan(pharmacist, bags, tank, users):
    a1 = tank[1][0]
    form = pharmacist.get(f"/pharmacy/bags/{bags[0].pk}/place/")
    page = text(form)
    assert form.status_code == 200 and "GARNIER Michel" in page and DIN_A in page and COI_A[2:] in page
    assert "autofocus" in page and "Tank/Rack/Box/Position" in page and "Cuve 1/R1/B1/A1" in page
    response = pharmacist.post(f"/pharmacy/bags/{bags[0].pk}/place/", {"scanned_bag_code": SCAN_A,
                                                                      "position": a1.pk}, follow=True)
    assert response.redirect_chain == [(STORAGE, 302)]
    assert "Bag 1 placed in Cuve 1/R1/B1/A1." in text(response)
    assert Position.objects.get(pk=a1.pk).bag == bags[0]
    event = CustodyEvent.objects.get(bag=bags[0], action="stored")
    assert (event.place, event.actor, event.scanned) == ("Cuve 1/R1/B1/A1", users["pharmacist"], [SCAN_A])
    assert journaled("pharmacy.bag_stored") == 1


def test_another_patients_code_is_a_hard_stop_shown_on_the_page(pharmacist, bags, tank, other_product):  # noqa: F811
    a1 = tank[1][0]
    response = pharmacist.post(f"/pharmacy/bags/{bags[0].pk}/place/", {"scanned_bag_code": "KITE-999",
                                                                      "position": a1.pk})
    assert response.status_code == 200
    page = text(response)
    alert = page[page.index('class="hardstop" role="alert"'):]
    assert alert.index("HARD STOP") < alert.index("</div>") and "another patient&#x27;s product" in alert
    assert 'value="KITE-999"' not in page  # the next scan is not appended to the refused one
    deviation = Deviation.objects.get()
    assert (deviation.kind, deviation.product, deviation.other_product) == (
        "identity_mismatch", bags[0].product, other_product)
    assert Position.objects.get(pk=a1.pk).bag is None
    assert not CustodyEvent.objects.filter(action="stored").exists() and journaled("pharmacy.bag_stored") == 0


def test_an_empty_scan_is_refused_without_a_deviation(pharmacist, bags, tank):
    response = pharmacist.post(f"/pharmacy/bags/{bags[0].pk}/place/", {"scanned_bag_code": "",
                                                                      "position": tank[1][0].pk})
    assert response.status_code == 200 and "A scan is empty." in text(response)
    assert not Deviation.objects.exists() and Position.objects.get(pk=tank[1][0].pk).bag is None


def test_the_first_free_position_is_proposed_and_a_good_scan_is_kept_when_the_position_is_missing(
        pharmacist, bags, tank):
    form = text(pharmacist.get(f"/pharmacy/bags/{bags[0].pk}/place/"))
    assert f'<option value="{tank[1][0].pk}" selected>' in form
    assert form.index('name="position"') < form.index('name="scanned_bag_code"')  # Enter after the scan submits
    response = pharmacist.post(f"/pharmacy/bags/{bags[0].pk}/place/", {"scanned_bag_code": SCAN_A, "position": ""})
    assert "Choose the position where the bag goes." in text(response) and f'value="{SCAN_A}"' in text(response)
    assert not Deviation.objects.exists() and not Position.objects.filter(bag__isnull=False).exists()


def test_a_position_already_taken_is_refused_and_not_offered(pharmacist, bags, tank, users):
    a1, a2, _a3 = tank[1]
    place(bags[0], a1, users)
    form = text(pharmacist.get(f"/pharmacy/bags/{bags[1].pk}/place/"))
    assert f'value="{a1.pk}"' not in form and f'value="{a2.pk}"' in form
    response = pharmacist.post(f"/pharmacy/bags/{bags[1].pk}/place/", {"scanned_bag_code": SCAN_A,
                                                                      "position": a1.pk})
    assert response.status_code == 200
    assert "Position Cuve 1/R1/B1/A1 is occupied: choose another position." in text(response)
    assert Position.objects.get(pk=a1.pk).bag == bags[0] and not Position.objects.filter(bag=bags[1]).exists()
    assert journaled("pharmacy.bag_stored") == 1


def test_a_position_of_another_center_is_refused(pharmacist, bags, org, outsider):
    elsewhere = Membership.objects.get(user=outsider).center
    far = Tank.objects.create(center=elsewhere, name="Far")
    from cellrelay.pharmacy.models import Box, Rack

    position = Position.objects.create(box=Box.objects.create(rack=Rack.objects.create(tank=far, label="R1"),
                                                              label="B1"), label="A1")
    response = pharmacist.post(f"/pharmacy/bags/{bags[0].pk}/place/", {"scanned_bag_code": SCAN_A,
                                                                      "position": position.pk})
    assert "Choose a position in a tank of the patient&#x27;s treating center." in text(response)
    assert Position.objects.get(pk=position.pk).bag is None


def test_a_placed_bag_is_not_placed_again_and_the_page_says_why(pharmacist, bags, tank, users):
    place(bags[0], tank[1][0], users)
    response = pharmacist.get(f"/pharmacy/bags/{bags[0].pk}/place/")
    assert response.status_code == 200
    page = text(response)
    assert "This bag is already stored in Cuve 1/R1/B1/A1: move it instead." in page
    assert "<form method=\"post\" class=\"form\"" not in page and f"/pharmacy/bags/{bags[0].pk}/move/" in page
    response = pharmacist.post(f"/pharmacy/bags/{bags[0].pk}/place/", {"scanned_bag_code": SCAN_A,
                                                                      "position": tank[1][1].pk})
    assert response.status_code == 200 and Position.objects.filter(bag=bags[0]).count() == 1


def test_a_bag_not_in_storage_cannot_be_moved_or_removed_and_the_page_says_why(pharmacist, bags, tank):
    for action in ("move", "remove"):
        response = pharmacist.get(f"/pharmacy/bags/{bags[0].pk}/{action}/")
        assert response.status_code == 200
        assert "This bag is not in storage: place it first." in text(response)


def test_a_bag_is_moved_then_removed_with_its_reason(pharmacist, bags, tank, users):
    a1, a2, _a3 = tank[1]
    place(bags[0], a1, users)
    response = pharmacist.post(f"/pharmacy/bags/{bags[0].pk}/move/", {"scanned_bag_code": COI_A,
                                                                     "position": a2.pk}, follow=True)
    assert "Bag 1 moved to Cuve 1/R1/B1/A2." in text(response)
    assert Position.objects.get(pk=a2.pk).bag == bags[0] and Position.objects.get(pk=a1.pk).bag is None
    assert CustodyEvent.objects.get(action="moved").place == "Cuve 1/R1/B1/A2"
    refused = pharmacist.post(f"/pharmacy/bags/{bags[0].pk}/remove/", {"scanned_bag_code": SCAN_A, "reason": ""})
    assert refused.status_code == 200 and "Say why the bag leaves the tank." in text(refused)
    assert Position.objects.get(pk=a2.pk).bag == bags[0]
    response = pharmacist.post(f"/pharmacy/bags/{bags[0].pk}/remove/", {"scanned_bag_code": SCAN_A,
                                                                       "reason": "Transfer to CHU B"}, follow=True)
    assert "Bag 1 removed from Cuve 1/R1/B1/A2." in text(response)
    assert Position.objects.get(pk=a2.pk).bag is None
    assert JournalEntry.objects.get(action="pharmacy.bag_removed").after["reason"] == "Transfer to CHU B"
    assert CustodyEvent.objects.get(action="removed").place == "Cuve 1/R1/B1/A2"


def test_a_wrong_scan_when_removing_is_a_hard_stop_too(pharmacist, bags, tank, users):
    place(bags[0], tank[1][0], users)
    response = pharmacist.post(f"/pharmacy/bags/{bags[0].pk}/remove/", {"scanned_bag_code": "NOPE-1",
                                                                       "reason": "Transfer"})
    assert 'role="alert"' in text(response) and "HARD STOP" in text(response)
    assert Position.objects.get(pk=tank[1][0].pk).bag == bags[0] and Deviation.objects.count() == 1


# Readings and alarms -------------------------------------------------------------------------------------------

def test_a_typed_reading_raises_an_alarm_then_acknowledged(pharmacist, tank, users):
    tank = tank[0]
    response = pharmacist.post(f"/pharmacy/tanks/{tank.pk}/readings/new/",
                               {"ln2_level_percent": "12.5", "temperature_c": "-190"}, follow=True)
    assert response.redirect_chain == [(f"/pharmacy/tanks/{tank.pk}/", 302)]
    page = text(response)
    assert "ALARM raised on tank Cuve 1" in page and "LN2 level 12.5 % is below the tank&#x27;s lowest level" in page
    assert "below the threshold" in page  # the reading's row is marked
    alarm = StorageAlarm.objects.get()
    assert alarm.kind == "level" and alarm.reading.recorded_by == users["pharmacist"]
    assert alarm.reading.source == "typed"
    assert 'class="alarm" role="alert"' in text(pharmacist.get(STORAGE))
    confirm = pharmacist.get(f"/pharmacy/alarms/{alarm.pk}/acknowledge/")
    assert confirm.status_code == 200 and "12.5" in text(confirm)
    response = pharmacist.post(f"/pharmacy/alarms/{alarm.pk}/acknowledge/", follow=True)
    assert "Alarm acknowledged." in text(response)
    alarm.refresh_from_db()
    assert alarm.acknowledged_by == users["pharmacist"]
    assert journaled("pharmacy.storage_alarm_acknowledged") == 1
    assert 'class="alarm"' not in text(pharmacist.get(STORAGE))
    again = pharmacist.get(f"/pharmacy/alarms/{alarm.pk}/acknowledge/")
    assert again.status_code == 200 and "Already acknowledged by Sophie Dubois" in text(again)


def test_a_reading_within_thresholds_says_so(pharmacist, tank):
    response = pharmacist.post(f"/pharmacy/tanks/{tank[0].pk}/readings/new/",
                               {"ln2_level_percent": "80", "temperature_c": "-190"}, follow=True)
    assert "Reading recorded: within the tank&#x27;s thresholds." in text(response)
    assert not StorageAlarm.objects.exists()


def test_a_reading_out_of_range_is_refused_beside_its_field(pharmacist, tank):
    response = pharmacist.post(f"/pharmacy/tanks/{tank[0].pk}/readings/new/",
                               {"ln2_level_percent": "120", "temperature_c": "-190"})
    assert response.status_code == 200
    assert "Give the LN2 level in percent, between 0 and 100." in text(response)
    response = pharmacist.post(f"/pharmacy/tanks/{tank[0].pk}/readings/new/", {"ln2_level_percent": "50"})
    assert "Give the temperature in °C." in text(response)
    assert not tank[0].readings.exists()


# Setting up a tank ---------------------------------------------------------------------------------------------

def test_a_tank_is_set_up_through_the_page(pharmacist, org, users):
    assert pharmacist.get("/pharmacy/tanks/new/").status_code == 200
    response = pharmacist.post("/pharmacy/tanks/new/", {
        "center": org["treating"].pk, "name": "Cuve B", "racks": "2", "boxes_per_rack": "3",
        "positions_per_box": "4", "ln2_min_level_percent": "25", "max_temperature_c": "-150"}, follow=True)
    tank = Tank.objects.get(name="Cuve B")
    assert response.redirect_chain == [(f"/pharmacy/tanks/{tank.pk}/", 302)]
    assert "Tank Cuve B is set up." in text(response)
    assert tank.center == org["treating"] and tank.ln2_min_level_percent == 25
    positions = Position.objects.filter(box__rack__tank=tank)
    assert positions.count() == 24
    assert sorted({p.label for p in positions}) == ["A1", "A2", "B1", "B2"]
    entry = JournalEntry.objects.get(action="pharmacy.tank_created")
    assert entry.center_id == org["treating"].pk and entry.actor == users["pharmacist"]
    page = text(pharmacist.get(STORAGE))
    assert "Cuve B" in page and "Rack R2" in page and "Box B3" in page


def test_a_tank_with_bad_values_is_refused_with_each_reason(pharmacist, org, tank):
    response = pharmacist.post("/pharmacy/tanks/new/", {
        "center": org["treating"].pk, "name": "cuve 1", "racks": "0", "boxes_per_rack": "21",
        "positions_per_box": "101", "ln2_min_level_percent": "0", "max_temperature_c": "-100"})
    assert response.status_code == 200
    page = text(response)
    for message in ("A tank named “cuve 1” already exists at this center.",
                    "Give the number of racks in the tank: between 1 and 20.",
                    "Give the number of boxes in each rack: between 1 and 20.",
                    "Give the number of places in each box: between 1 and 100.",
                    "Give the lowest LN2 level in percent, between 1 and 99",
                    "Give the highest temperature between -190 and -120 °C"):
        assert message in page, message
    assert Tank.objects.count() == 1 and not JournalEntry.objects.filter(action="pharmacy.tank_created").exists()


def test_a_tank_cannot_be_set_up_at_another_center(pharmacist, outsider):
    elsewhere = Membership.objects.get(user=outsider).center
    response = pharmacist.post("/pharmacy/tanks/new/", {"center": elsewhere.pk, "name": "Sneaky", "racks": "1",
                                                        "boxes_per_rack": "1", "positions_per_box": "1",
                                                        "ln2_min_level_percent": "20", "max_temperature_c": "-150"})
    assert response.status_code == 200 and not Tank.objects.filter(name="Sneaky").exists()


# Who may --------------------------------------------------------------------------------------------------------

def test_a_ward_nurse_is_refused(client_as, bags, tank):
    nurse = client_as("wardnurse")
    for url in (STORAGE, "/pharmacy/tanks/new/", f"/pharmacy/tanks/{tank[0].pk}/",
                f"/pharmacy/bags/{bags[0].pk}/place/"):
        assert nurse.get(url).status_code == 403, url
    assert nurse.post(f"/pharmacy/bags/{bags[0].pk}/place/", {"scanned_bag_code": SCAN_A,
                                                             "position": tank[1][0].pk}).status_code == 403
    assert not Position.objects.filter(bag__isnull=False).exists()


def test_a_pharmacist_of_another_center_sees_neither_the_tanks_nor_the_bags(client, org, bags, tank, users):
    elsewhere = Center.objects.create(name="CHU Loin", short_name="Loin", kind=Center.Kind.TREATING)
    other = User.objects.create_user("pharma2", password=PASSWORD)
    Membership.objects.create(user=other, center=elsewhere, role=Role.PHARMACIST)
    storage.record_reading(actor_or_none=users["pharmacist"], tank=tank[0], ln2_level_percent=5, temperature_c=-190)
    client.force_login(other)
    alarm = StorageAlarm.objects.get()
    for url in (f"/pharmacy/tanks/{tank[0].pk}/", f"/pharmacy/tanks/{tank[0].pk}/readings/new/",
                f"/pharmacy/alarms/{alarm.pk}/acknowledge/", f"/pharmacy/bags/{bags[0].pk}/place/"):
        assert client.get(url).status_code == 404, url
    page = text(client.get(STORAGE))
    assert "Cuve 1" not in page and "GARNIER" not in page


def test_the_pages_render_in_french(client_as, bags, tank, users):
    place(bags[0], tank[1][0], users)
    storage.record_reading(actor_or_none=users["pharmacist"], tank=tank[0], ln2_level_percent=5, temperature_c=-190)
    french = client_as("pharmacist", "fr")
    alarm = StorageAlarm.objects.get()
    for url in (STORAGE, "/pharmacy/tanks/new/", f"/pharmacy/tanks/{tank[0].pk}/",
                f"/pharmacy/tanks/{tank[0].pk}/readings/new/", f"/pharmacy/alarms/{alarm.pk}/acknowledge/",
                f"/pharmacy/bags/{bags[1].pk}/place/", f"/pharmacy/bags/{bags[0].pk}/move/",
                f"/pharmacy/bags/{bags[0].pk}/remove/"):
        response = french.get(url)
        assert response.status_code == 200, url
        assert 'lang="fr"' in text(response), url
