"""The pharmacy's part of the product circuit, added to the worklist and the product page from the pharmacy room:
its tanks' alarms, the bags to place in a tank, and the bags to dispense from their infusion day."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from cellrelay.pathway.states import State
from cellrelay.pharmacy.services import storage
from tests.pharmacy.helpers import plan_infusion_on, received_bags, tank_with_positions
from tests.products.test_chain_page import chain_html

pytestmark = pytest.mark.django_db


def test_the_worklist_shows_what_the_product_circuit_waits_for(client_as, episode, users):
    bags = received_bags(episode, users, count=1)
    html = client_as("pharmacist").get("/worklist/").content.decode()
    assert "Product circuit" in html and f"/pharmacy/bags/{bags[0].pk}/place/" in html


def test_a_long_list_of_bags_to_place_shows_the_oldest_first_and_says_it_goes_on(client_as, episode, users,
                                                                                monkeypatch):
    from cellrelay.products import worklist
    monkeypatch.setattr(worklist, "CAP", 1)
    bags = received_bags(episode, users, count=2)
    html = client_as("pharmacist").get("/worklist/").content.decode()
    assert f"/pharmacy/bags/{bags[0].pk}/place/" in html and f"/pharmacy/bags/{bags[1].pk}/place/" not in html
    assert "Only the first 1 of each kind are shown" in html


def test_the_worklist_and_the_product_page_ask_to_dispense_on_the_infusion_day_not_before(client_as, episode, users):
    bag = received_bags(episode, users, count=1, state=State.LYMPHODEPLETION)[0]  # the infusion planned today
    dispense = f"/bags/{bag.pk}/dispense/"
    assert dispense in client_as("pharmacist").get("/worklist/").content.decode()
    assert dispense in chain_html(client_as("pharmacist"), episode)
    plan_infusion_on(episode, timezone.localdate() + dt.timedelta(days=4))  # LD day 2 of a D0 in four days
    assert dispense not in client_as("pharmacist").get("/worklist/").content.decode()
    assert dispense not in chain_html(client_as("pharmacist"), episode)  # nor among the product page's next steps


def test_a_tank_alarm_stands_on_the_pharmacy_worklist_until_acknowledged(client_as, org, users):
    tank, _positions = tank_with_positions(org)
    storage.record_reading(actor_or_none=users["pharmacist"], tank=tank, ln2_level_percent=Decimal("12"),
                           temperature_c=Decimal("-190"))
    html = client_as("pharmacist").get("/worklist/").content.decode()
    assert "Tank Cuve 1: LN2 level too low" in html and f"/pharmacy/tanks/{tank.pk}/" in html
    storage.acknowledge_alarm(actor=users["pharmacist"], alarm=tank.alarms.get())
    assert "LN2 level too low" not in client_as("pharmacist").get("/worklist/").content.decode()
