"""/api/v1/pharmacy as a tank probe uses it: list its tanks, post readings; alarms raised and shown."""

import json

import pytest

from cellrelay.journal.models import JournalEntry
from cellrelay.organisation.models import Membership
from cellrelay.pharmacy.services import storage
from cellrelay.pharmacy.models import StorageAlarm, Tank, TankReading
from tests.pharmacy.helpers import tank_with_positions

pytestmark = pytest.mark.django_db


@pytest.fixture
def tank(org):
    return tank_with_positions(org)[0]  # LN2 at least 30 %, at most -150 °C


@pytest.fixture
def far_tank(org, users, outsider):
    """A tank of another center."""
    return storage.create_tank(actor=outsider, center=Membership.objects.get(user=outsider).center, name="Far",
                               racks=1, boxes_per_rack=1, positions_per_box=1, ln2_min_level_percent=20,
                               max_temperature_c=-150)


def post_reading(client, tank_id, body):
    return client.post(f"/api/v1/pharmacy/tanks/{tank_id}/readings", data=json.dumps(body),
                       content_type="application/json")


def test_a_probe_reading_below_the_threshold_raises_an_alarm_seen_on_the_storage_page(api_as, client_as, tank,
                                                                                       users):
    response = post_reading(api_as("tank-probe"), tank.pk, {"ln2_level_percent": 12.0, "temperature_c": -190.0})
    assert response.status_code == 201, response.content
    body = response.json()
    alarm = StorageAlarm.objects.get()
    assert body["tank_id"] == tank.pk and body["alarms"] == [{"id": alarm.pk, "kind": "level"}]
    reading = TankReading.objects.get(pk=body["id"])
    assert (reading.source, reading.recorded_by, reading.ln2_level_percent) == ("probe", users["tank-probe"], 12)
    assert JournalEntry.objects.filter(action="pharmacy.storage_alarm", center_id=tank.center_id).count() == 1
    page = client_as("pharmacist").get("/pharmacy/storage/").content.decode()
    banner = page[page.index('class="alarm" role="alert"'):]
    banner = banner[:banner.index("</div>")]
    assert "LN2 level 12.0 % is below" in banner and f"/pharmacy/alarms/{alarm.pk}/acknowledge/" in banner
    assert "12.0 % · -190.0 °C" in page and "probe" in page


def test_a_reading_within_thresholds_lists_no_alarm(api_as, tank):
    response = post_reading(api_as("tank-probe"), tank.pk, {"ln2_level_percent": 55.0, "temperature_c": -190.0})
    assert response.status_code == 201 and response.json()["alarms"] == []


def test_a_pharmacist_posting_a_reading_types_it(api_as, tank, users):
    response = post_reading(api_as("pharmacist"), tank.pk, {"ln2_level_percent": 55, "temperature_c": -140})
    assert response.status_code == 201 and response.json()["alarms"][0]["kind"] == "temperature"
    assert TankReading.objects.get().source == "typed"


def test_another_centers_tank_is_not_found(api_as, far_tank):
    response = post_reading(api_as("tank-probe"), far_tank.pk, {"ln2_level_percent": 5, "temperature_c": -190})
    assert response.status_code == 404 and response.json()["message"] == "Not found."
    assert post_reading(api_as("tank-probe"), 999999, {"ln2_level_percent": 5,
                                                       "temperature_c": -190}).status_code == 404
    assert not TankReading.objects.exists()


@pytest.mark.parametrize("body, field, message", [
    ({"ln2_level_percent": 150, "temperature_c": -190}, "ln2_level_percent", "between 0 and 100"),
    ({"ln2_level_percent": 50, "temperature_c": 900}, "temperature_c", "typing or probe error"),
    ({"ln2_level_percent": 50}, "temperature_c", "Give the temperature in °C."),
    ({"ln2_level_percent": "half full", "temperature_c": -190}, "ln2_level_percent", "decimal"),
])
def test_a_malformed_value_is_a_422_naming_the_field(api_as, tank, body, field, message):
    response = post_reading(api_as("tank-probe"), tank.pk, body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert field in errors and message in " ".join(errors[field]), errors
    assert not TankReading.objects.exists()


def test_a_probe_lists_its_tanks_with_their_thresholds(api_as, tank, far_tank):
    response = api_as("tank-probe").get("/api/v1/pharmacy/tanks")
    assert response.status_code == 200
    assert response.json() == [{"id": tank.pk, "name": "Cuve 1", "center_id": tank.center_id,
                                "center": str(tank.center), "ln2_min_level_percent": "30.0",
                                "max_temperature_c": "-150.0"}]


def test_the_probe_does_nothing_else_and_others_do_not_post(api_as, tank, patient):
    probe = api_as("tank-probe")
    assert probe.get("/api/v1/patients").status_code == 403
    nurse = api_as("wardnurse")
    assert post_reading(nurse, tank.pk, {"ln2_level_percent": 5, "temperature_c": -190}).status_code == 403
    assert nurse.get("/api/v1/pharmacy/tanks").status_code == 403
    assert not TankReading.objects.exists() and Tank.objects.count() == 1


@pytest.mark.parametrize("tank_id", [999999, 2**63, 2**70])
def test_a_tank_id_beyond_any_key_is_not_found(api_as, tank, tank_id):
    response = post_reading(api_as("tank-probe"), tank_id, {"ln2_level_percent": 55.0, "temperature_c": -190.0})
    assert response.status_code == 404
