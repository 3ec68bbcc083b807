"""The two-person receipt page at the pharmacy: what is expected, the signatures, quarantine and the hard stop."""

import datetime as dt
import html
import re

import pytest
from django.utils import timezone

from cellrelay.formats import day
from cellrelay.journal.models import JournalEntry
from cellrelay.products.models import Bag, CustodyEvent, Deviation, Product
from tests.conftest import PASSWORD
from tests.products.test_custody import COI_A, DIN_A, collected, other_product, product, scanned_din  # noqa: F401

pytestmark = pytest.mark.django_db


def url(product):
    return f"/products/{product.pk}/receive/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def form(users, **overrides):
    """What the pharmacist types and scans: two labels, seal and documents fine, -180 °C, two bags."""
    data = {"scanned": f"{scanned_din(DIN_A)}\r\nKITE-123\r\n", "seal_intact": "yes", "shipper_temperature_c": "-180",
            "documents_ok": "yes", "bag_count": "2",
            "bag_expiry": (timezone.localtime() + dt.timedelta(days=300)).strftime("%Y-%m-%dT%H:%M"),
            "place": "PUI", "actor_password": PASSWORD, "second_person": users["pharmacist2"].pk,
            "second_password": PASSWORD}
    data.update(overrides)
    return data


def nothing_received(product):
    product.refresh_from_db()
    assert product.status == Product.Status.SHIPPED
    assert not Bag.objects.exists()
    assert not CustodyEvent.objects.filter(action="received").exists()
    assert not JournalEntry.objects.filter(action__in=["products.product_received", "signature.signed"]).exists()


def test_the_page_shows_what_is_expected_and_who_may_verify(client_as, product, users):
    response = client_as("pharmacist").get(url(product))
    assert response.status_code == 200
    page = text(response)
    patient = product.episode.patient
    assert str(patient) in page and day(patient.birth_date) in page
    assert DIN_A in page and COI_A[2:] in page and "KITE-123" in page
    assert "at or below -150 °C" in page  # Yescarta's storage limit
    choices = response.context["form"].fields["second_person"].queryset
    assert list(choices) == [users["pharmacist2"]]  # the pharmacy verifies the receipt, never the receiver
    assert 'name="seal_intact" value="yes"' in page
    assert re.search(r'<input type="radio"[^>]*checked', page) is None  # no answer chosen beforehand
    assert JournalEntry.objects.filter(action="patient.read", actor=users["pharmacist"]).exists()


def test_an_accepted_receipt_registers_the_bags_and_goes_back_to_the_product_page(client_as, product, users):
    client = client_as("pharmacist")
    response = client.post(url(product), form(users))
    assert response.status_code == 302 and response["Location"] == f"/episodes/{product.episode.pk}/products/"
    product.refresh_from_db()
    assert product.status == Product.Status.ACCEPTED
    assert list(product.bags.values_list("number", flat=True)) == [1, 2]
    event = CustodyEvent.objects.get(action="received")
    assert (event.actor, event.second_person, event.place) == (users["pharmacist"], users["pharmacist2"], "PUI")
    assert event.scanned == [scanned_din(DIN_A), "KITE-123"]
    page = text(client.get(response["Location"]))
    assert "Product received and accepted: 2 bag(s) registered." in page


def test_a_warm_shipper_quarantines_the_product_with_a_warning(client_as, product, users):
    client = client_as("pharmacist")
    response = client.post(url(product), form(users, shipper_temperature_c="-100", seal_intact="no"), follow=True)
    page = text(response)
    assert "QUARANTINED" in page and "Temperature excursion: -100 °C, limit ≤ -150 °C" in page
    assert "Seal not intact" in page
    assert 'class="flash warning"' in page
    product.refresh_from_db()
    assert product.status == Product.Status.QUARANTINED
    assert set(Deviation.objects.values_list("kind", flat=True)) == {"temperature_excursion", "seal_broken"}


def test_a_code_of_another_patients_product_is_a_hard_stop(client_as, product, other_product, users):
    response = client_as("pharmacist").post(url(product), form(users, scanned=f"{scanned_din(DIN_A)}\nKITE-999"))
    assert response.status_code == 200
    page = text(response)
    assert '<div class="hard-stop" role="alert">' in page
    assert "HARD STOP — KITE-999 belongs to another patient's product. Expected:" in page
    assert f"ISBT 128 DIN {DIN_A}" in page and "Nothing else was saved." in page
    deviation = Deviation.objects.get()
    assert (deviation.kind, deviation.scanned, deviation.product) == ("identity_mismatch", "KITE-999", product)
    assert deviation.other_product == other_product
    assert JournalEntry.objects.filter(action="products.deviation_recorded").count() == 1
    nothing_received(product)


@pytest.mark.parametrize("overrides, message", [
    ({"second_password": "wrong"}, "The password is wrong: the signature is refused."),
    ({"actor_password": ""}, "This field is required."),
    ({"seal_intact": ""}, "This field is required."),
    ({"documents_ok": ""}, "This field is required."),
    ({"scanned": " \n "}, "This field is required."),
    ({"bag_count": "25"}, "Count the bags in the shipper: between 1 and 20."),
    ({"bag_expiry": (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")},
     "an expired product is not accepted"),
    ({"scanned": "=G12342"}, "DIN"),
])
def test_each_refusal_is_shown_and_nothing_is_received(client_as, product, users, overrides, message):
    response = client_as("pharmacist").post(url(product), form(users, **overrides))
    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert 'class="hard-stop"' not in page
    assert not Deviation.objects.exists()
    nothing_received(product)


def test_the_receiver_cannot_choose_themselves_as_second_person(client_as, product, users):
    response = client_as("pharmacist").post(url(product), form(users, second_person=users["pharmacist"].pk))
    assert "Select a valid choice" in text(response)
    nothing_received(product)


def test_a_product_still_in_manufacturing_shows_why_it_cannot_be_received(client_as, episode, users):
    from cellrelay.products.services.manufacturing import register_product

    collection = collected(episode, users)
    in_manufacturing = register_product(actor=users["coordinator"], episode=collection.episode,
                                        manufacturer="Kite", identifiers=[("din", scanned_din(DIN_A))])
    response = client_as("pharmacist").get(url(in_manufacturing))
    assert response.status_code == 200
    page = text(response)
    assert "This product is “In manufacturing”: only a released or shipped product is received." in page
    assert 'name="actor_password"' not in page  # no form to fill in


def test_the_research_assistant_may_not_receive_and_an_outsider_sees_nothing(client_as, product, users):
    assert client_as("research").get(url(product)).status_code == 403
    assert client_as("research").post(url(product), form(users)).status_code == 403
    assert client_as("outsider").get(url(product)).status_code == 403  # a coordinator elsewhere: no receipt at all
    nothing_received(product)


def test_the_page_in_french(client_as, product):
    response = client_as("pharmacist", "fr").get(url(product))
    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()
