"""Shipments, temperature logs and the manufacturer's status: services and API."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from cellrelay.journal.models import JournalEntry
from cellrelay.pathway.models import ProtocolTemplate
from cellrelay.products.services import shipping
from cellrelay.products.services.manufacturing import register_product, update_manufacturing
from cellrelay.products.models import CustodyEvent, Deviation, ShipmentTemperature
from tests.products.test_custody import DIN_A, collected, journaled, refused, scanned_din

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def released_product(episode, users):
    collection = collected(episode, users)
    product = register_product(actor=users["coordinator"], episode=collection.episode, manufacturer="Kite",
                               identifiers=[("din", scanned_din(DIN_A))])
    return update_manufacturing(actor=users["coordinator"], product=product, status="released")


def ship(users, what, way, **overrides):
    fields = dict(actor=users["pharmacist"], product_or_collection=what, direction=way, courier="World Courier",
                  shipper_id="DS-0042", seal_numbers=["S1", " S2 "], departed_at=NOW - dt.timedelta(days=1))
    fields.update(overrides)
    return shipping.record_shipment(**fields)


def log(*temperatures, start=None):
    start = start or NOW - dt.timedelta(hours=20)
    rows = [f"{(start + dt.timedelta(minutes=10 * i)).isoformat()},{t}" for i, t in enumerate(temperatures)]
    return "timestamp,temperature_c\n" + "\n".join(rows) + "\n"


@pytest.fixture
def product(episode, users):
    return released_product(episode, users)


@pytest.fixture
def back(product, users):
    return ship(users, product, "back")


# Shipments ------------------------------------------------------------------------------------------------

def test_a_product_shipped_back_becomes_shipped_with_a_custody_event(product, users):
    shipment = ship(users, product, "back", arrived_at=NOW)
    product.refresh_from_db()
    assert product.status == "shipped"
    assert shipment.seal_numbers == ["S1", "S2"] and shipment.product == product
    event = CustodyEvent.objects.get(product=product, action="shipped")
    assert event.actor == users["pharmacist"] and event.at == shipment.departed_at
    assert journaled("products.shipment_recorded") == 1
    assert journaled("products.manufacturing_updated") == 2  # released, then shipped through the same service


def test_the_collected_cells_go_out(episode, users):
    collection = collected(episode, users)
    shipment = ship(users, collection, "out", actor=users["apheresis"])
    assert shipment.collection == collection and shipment.direction == "out"
    assert CustodyEvent.objects.filter(collection=collection, action="shipped").count() == 1
    assert "go out" in refused(lambda: ship(users, collection, "back"), "direction")


@pytest.mark.parametrize("overrides, field", [
    ({"direction": "out"}, "direction"),
    ({"direction": "sideways"}, "direction"),
    ({"courier": " "}, "courier"),
    ({"shipper_id": ""}, "shipper_id"),
    ({"seal_numbers": []}, "seal_numbers"),
    ({"seal_numbers": ["S1", "S1 "]}, "seal_numbers"),
    ({"departed_at": NOW + dt.timedelta(hours=2)}, "departed_at"),
    ({"arrived_at": NOW - dt.timedelta(days=2)}, "arrived_at"),
])
def test_a_wrong_shipment_is_refused_and_nothing_is_saved(product, users, overrides, field):
    refused(lambda: ship(users, product, "back", **overrides), field)
    product.refresh_from_db()
    assert product.status == "released" and journaled("products.shipment_recorded") == 0


def test_a_product_in_manufacturing_is_not_shipped_back(episode, users):
    collection = collected(episode, users)
    product = register_product(actor=users["coordinator"], episode=collection.episode, manufacturer="Kite",
                               identifiers=[("din", scanned_din(DIN_A))])
    assert "only a released or shipped" in refused(lambda: ship(users, product, "back"), "product")


# Temperature logs -----------------------------------------------------------------------------------------

def test_each_excursion_above_the_storage_limit_is_a_deviation(back, users):
    # Yescarta: at or below -150 °C. Two runs above it.
    result = shipping.attach_temperature_log(actor=users["pharmacist"], shipment=back,
                                             csv_file=log(-185, -150, -149.5, -140, -180, -120, -181).encode())
    assert result.readings == 7 and result.limit_c == -150 and result.limit_note == ""
    assert [e.max_temperature for e, _d in result.excursions] == [Decimal("-140"), Decimal("-120")]
    deviations = Deviation.objects.filter(kind="temperature_excursion").order_by("pk")
    assert [(d.expected, d.scanned) for d in deviations] == [("≤ -150 °C", "-140 °C"), ("≤ -150 °C", "-120 °C")]
    assert all(d.product == back.product and d.shipment == back and "DS-0042" in d.description for d in deviations)
    assert ShipmentTemperature.objects.filter(shipment=back).count() == 7
    assert journaled("products.deviation_recorded") == 2 and journaled("products.temperature_log_attached") == 1
    entry = JournalEntry.objects.get(action="products.temperature_log_attached")
    assert entry.after["excursions"] == 2 and entry.after["storage_max_c"] == -150


def test_no_deviation_when_the_limit_is_unknown(back, users):
    ProtocolTemplate.objects.filter(pk=back.product.episode.template_id).update(storage_max_c=None)
    result = shipping.attach_temperature_log(actor=users["pharmacist"], shipment=back, csv_file=log(-10, 20))
    assert result.limit_c is None and result.limit_note == shipping.NO_LIMIT_KNOWN and result.excursions == []
    assert not Deviation.objects.exists() and ShipmentTemperature.objects.count() == 2


def test_the_collections_log_is_kept_without_assessment(episode, users):
    shipment = ship(users, collected(episode, users), "out")
    result = shipping.attach_temperature_log(actor=users["apheresis"], shipment=shipment, csv_file=log(4, 5))
    assert result.limit_note == shipping.NOT_FOR_COLLECTIONS and not Deviation.objects.exists()


def test_a_broken_log_is_refused_with_its_line_and_nothing_is_kept(back, users):
    message = refused(lambda: shipping.attach_temperature_log(
        actor=users["pharmacist"], shipment=back, csv_file="time,temp\n2026-03-01T08:00,-180\nsoon,-181\n"),
        "csv_file")
    assert message.startswith("Line 3:") and "“soon” is not a time" in message
    assert not ShipmentTemperature.objects.exists() and journaled("products.temperature_log_attached") == 0


def test_one_log_per_shipment(back, users):
    shipping.attach_temperature_log(actor=users["pharmacist"], shipment=back, csv_file=log(-180))
    assert "already has" in refused(lambda: shipping.attach_temperature_log(
        actor=users["pharmacist"], shipment=back, csv_file=log(-170)), "csv_file")


# API ---------------------------------------------------------------------------------------------------------

def post(client, url, body, content_type="application/json"):
    response = client.post(url, data=json.dumps(body) if content_type == "application/json" else body,
                           content_type=content_type)
    return response.status_code, response.json()


def test_api_status_moves_the_product_and_names_the_field_on_a_bad_move(product, api_as):
    client = api_as("pharmacist")
    url = f"/api/v1/products/{product.pk}/status"
    status, body = post(client, url, {"status": "failed", "reason": " "})
    assert status == 422 and "reason" in body["errors"]
    assert post(client, url, {"status": "shipped"}) == (200, {"id": product.pk, "status": "shipped",
                                                              "failure_reason": ""})
    status, body = post(client, url, {"status": "released"})
    assert status == 422 and "cannot become" in body["errors"]["status"][0]
    status, body = post(client, url, {"status": "received"})
    assert status == 422 and "status" in body["errors"]
    assert journaled("products.manufacturing_updated") == 2


def test_api_status_scope_and_permission(product, api_as):
    url = f"/api/v1/products/{product.pk}/status"
    assert post(api_as("outsider"), url, {"status": "shipped"})[0] == 404
    assert post(api_as("wardnurse"), url, {"status": "shipped"})[0] == 403
    assert post(api_as("coordinator"), "/api/v1/products/999999/status", {"status": "shipped"})[0] == 404


def test_api_temperature_log_as_csv_or_json(back, episode, users, api_as):
    client = api_as("pharmacist")
    status, body = post(client, f"/api/v1/products/shipments/{back.pk}/temperature-log", log(-180, -100, -181),
                        content_type="text/csv")
    assert status == 201 and body["readings"] == 3 and body["storage_max_c"] == -150
    [excursion] = body["excursions"]
    assert Decimal(str(excursion["max_temperature_c"])) == Decimal("-100")
    assert Deviation.objects.get().pk == excursion["deviation_id"]
    status, body = post(client, f"/api/v1/products/shipments/{back.pk}/temperature-log", {"csv": log(-180)})
    assert status == 422 and "already has" in body["errors"]["csv"][0]


def test_api_temperature_log_errors(back, api_as):
    client = api_as("pharmacist")
    url = f"/api/v1/products/shipments/{back.pk}/temperature-log"
    status, body = post(client, url, {"csv": "time,temp\n2026-03-01T08:00,chaud\n"})
    assert status == 422 and body["errors"]["csv"] == ["Line 2: “chaud” is not a temperature in °C: write -185.2 "
                                                       "or -185,2."]
    assert post(client, url, {"log": "x"})[0] == 422
    assert post(client, url, "", content_type="text/csv")[1]["errors"]["csv"] == ["The file is empty."]
    assert post(api_as("outsider"), url, {"csv": log(-180)})[0] == 404
    assert post(api_as("wardnurse"), url, {"csv": log(-180)})[0] == 403
    assert not ShipmentTemperature.objects.exists()


def test_api_errors_in_french(back, api_as):
    status, body = post(api_as("pharmacist", "fr"), f"/api/v1/products/shipments/{back.pk}/temperature-log",
                        {"csv": ""})
    assert status == 422 and body["errors"]["csv"]
