"""The bags waiting for a place in a tank: one rule (``pharmacy/waiting.py``) kept as a marker on the bag by every
change that starts or ends the wait, and read the same way by the storage map, the worklist and the product page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from cellrelay.pathway.models import Episode
from cellrelay.pathway.services import stop_episode
from cellrelay.pathway.states import State, StopReason
from cellrelay.pharmacy import waiting
from cellrelay.pharmacy.services import storage
from cellrelay.pharmacy.services.dispensing import dispense_bag
from cellrelay.pharmacy.services.drugs import reserve_drug
from cellrelay.products.models import Bag, CustodyEvent
from cellrelay.products.services.administration import end_infusion, start_infusion, start_thaw
from tests.conftest import PASSWORD
from tests.pharmacy.helpers import SCAN_A, received_bags, tank_with_positions
from tests.products.test_administration import NURSE, check, ready_for_infusion
from tests.products.test_chain_page import chain_html
from tests.products.test_custody import receive, released, scanned_din, COI_A, DIN_A

pytestmark = pytest.mark.django_db

STORAGE = "/pharmacy/storage/"


def since(bag):
    return Bag.objects.get(pk=bag.pk).waiting_since


def place(bag, position, users):
    return storage.place_bag(actor=users["pharmacist"], bag=bag, position=position, scanned_bag_code=SCAN_A)


def remove(bag, users):
    return storage.remove_bag(actor=users["pharmacist"], bag=bag, scanned_bag_code=SCAN_A, reason="transfer")


def stop(episode, users):
    stop_episode(actor=users["haematologist"], episode=Episode.objects.get(pk=episode.pk),
                 reason=StopReason.PROGRESSION, on=timezone.localdate(), expected_version=None)


def to_place_on_the_map(client) -> str:
    page = client.get(STORAGE).content.decode()
    return page[page.index("Bags to place"):page.index("</section>")]


# Kept by each change --------------------------------------------------------------------------------------------

def test_received_bags_wait_since_their_receipt_accepted_or_quarantined(episode, users):
    bags = received_bags(episode, users, temperature=Decimal("-100"))  # above the limit: quarantined
    received = CustodyEvent.objects.get(product=bags[0].product, action="received").at
    assert bags[0].product.status == "quarantined"
    assert [since(bag) for bag in bags] == [received, received]


def test_a_product_received_for_a_stopped_episode_has_no_bag_waiting(episode, users):
    product = released(episode, users, [("din", scanned_din(DIN_A)), ("coi_isbt", COI_A),
                                        ("manufacturer", "KITE-123")])
    stop(episode, users)
    product = receive(product, users, bag_count=2)
    assert [bag.waiting_since for bag in product.bags.all()] == [None, None]


def test_placing_ends_the_wait_moving_keeps_it_ended_and_removing_starts_it_again(episode, users, org):
    bags = received_bags(episode, users)
    _tank, (a1, a2, _a3) = tank_with_positions(org)
    place(bags[0], a1, users)
    assert since(bags[0]) is None and since(bags[1]) is not None  # the other bag still waits
    storage.move_bag(actor=users["pharmacist"], bag=bags[0], to_position=a2, scanned_bag_code=SCAN_A)
    assert since(bags[0]) is None
    remove(bags[0], users)
    removed = CustodyEvent.objects.get(bag=bags[0], action="removed").at
    assert since(bags[0]) == removed > since(bags[1])  # waiting again, from its removal: after the other one


def test_a_bag_removed_after_its_episode_stopped_does_not_wait(episode, users, org):
    bags = received_bags(episode, users, count=1)
    _tank, (a1, *_rest) = tank_with_positions(org)
    place(bags[0], a1, users)
    stop(episode, users)
    remove(bags[0], users)
    assert since(bags[0]) is None


def test_a_bag_dispensed_without_being_placed_no_longer_waits(episode, users):
    bags = received_bags(episode, users, state=State.LYMPHODEPLETION)
    reserve_drug(actor=users["pharmacist"], episode=bags[0].product.episode)
    assert since(bags[0]) is not None
    dispense_bag(actor=users["pharmacist"], actor_password=PASSWORD, bag=bags[0], scanned_bag_code=SCAN_A)
    assert since(bags[0]) is None and since(bags[1]) is not None  # the spare waits until the infusion


def test_the_infusion_ends_the_wait_of_the_bags_left_over(episode, users):
    bags = received_bags(episode, users, state=State.LYMPHODEPLETION)
    episode = bags[0].product.episode
    reserve_drug(actor=users["pharmacist"], episode=episode)
    now = timezone.now()
    dispense_bag(actor=users["pharmacist"], actor_password=PASSWORD, bag=bags[0], scanned_bag_code=SCAN_A,
                 at=now - dt.timedelta(minutes=30))
    bag = Bag.objects.get(pk=bags[0].pk)
    assert since(bags[1]) is not None
    ready_for_infusion(episode, users)
    start_thaw(actor=users[NURSE], bag=bag, at=now - dt.timedelta(minutes=20))
    check(bag, users)
    start_infusion(actor=users[NURSE], bag=bag, at=now - dt.timedelta(minutes=10))
    end_infusion(actor=users[NURSE], bag=bag, at=now - dt.timedelta(minutes=1))
    assert Episode.objects.get(pk=episode.pk).state == State.INFUSED
    assert since(bags[1]) is None


def test_stopping_the_episode_ends_the_wait_of_its_bags(episode, users):
    bags = received_bags(episode, users)
    stop(episode, users)
    assert [since(bag) for bag in bags] == [None, None]


def test_marking_every_bag_from_the_rule_finds_what_the_services_kept(episode, users, org):
    """The seeding writes its rows without the services: ``mark_all`` sets the marker from the rule, as they would
    have (since the receipt, or the removal from a tank), and clears one set on a bag that does not wait."""
    bags = received_bags(episode, users, count=3)
    _tank, (a1, a2, _a3) = tank_with_positions(org)
    place(bags[0], a1, users)
    place(bags[1], a2, users)
    remove(bags[1], users)
    kept = {bag.pk: since(bag) for bag in bags}
    assert kept[bags[0].pk] is None and kept[bags[1].pk] != kept[bags[2].pk]
    Bag.objects.update(waiting_since=None)
    Bag.objects.filter(pk=bags[0].pk).update(waiting_since=timezone.now())  # stored, yet marked
    assert waiting.mark_all() == 3
    assert {bag.pk: since(bag) for bag in bags} == kept


# Read the same way everywhere ----------------------------------------------------------------------------------

def test_the_map_the_worklist_and_the_product_page_list_the_same_bags_the_longest_waiting_first(
        client_as, episode, users, org):
    bags = received_bags(episode, users)
    _tank, (a1, *_rest) = tank_with_positions(org)
    place(bags[0], a1, users)
    remove(bags[0], users)  # waiting again, from now: after bag 2, received before
    pharmacist = client_as("pharmacist")
    first, second = f"/pharmacy/bags/{bags[1].pk}/place/", f"/pharmacy/bags/{bags[0].pk}/place/"
    on_the_map = to_place_on_the_map(pharmacist)
    worklist = pharmacist.get("/worklist/").content.decode()
    assert on_the_map.index(first) < on_the_map.index(second) and worklist.index(first) < worklist.index(second)
    assert first in chain_html(pharmacist, episode) and second in chain_html(pharmacist, episode)
    stop(episode, users)
    assert "No bag is waiting for a place." in to_place_on_the_map(pharmacist)
    assert first not in pharmacist.get("/worklist/").content.decode()
    assert first not in chain_html(pharmacist, episode)

