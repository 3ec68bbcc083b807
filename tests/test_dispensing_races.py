"""Hundreds of simultaneous attempts on PostgreSQL: one bag is dispensed once; one position holds one bag."""

import pytest
from django.core.exceptions import ValidationError

from cellrelay.journal.services import verify
from cellrelay.pathway.states import State
from cellrelay.pharmacy.services import storage
from cellrelay.pharmacy.models import Position
from cellrelay.pharmacy.services.drugs import reserve_drug
from cellrelay.pharmacy.services.dispensing import dispense_bag
from cellrelay.products.models import Bag, CustodyEvent
from tests.conftest import PASSWORD
from tests.pharmacy.helpers import SCAN_A, received_bags, tank_with_positions
from tests.test_concurrency import race

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

ATTEMPTS, AT_ONCE = 200, 20  # simultaneous threads stay far below max_connections (100)


def in_batches(attempts: int, work) -> list:
    results = []
    for start in range(0, attempts, AT_ONCE):
        results += race(min(AT_ONCE, attempts - start), lambda i, start=start: work(start + i))
    return results


def messages(results) -> list[str]:
    return [" ".join(m for ms in r.message_dict.values() for m in ms) for r in results]


def test_of_hundreds_of_simultaneous_dispenses_of_one_bag_exactly_one_succeeds(episode, users):
    bag = received_bags(episode, users, count=1, state=State.LYMPHODEPLETION)[0]
    reserve_drug(actor=users["pharmacist"], episode=bag.product.episode)
    pharmacists = [users["pharmacist"], users["coordinator"]]

    results = in_batches(ATTEMPTS, lambda i: dispense_bag(actor=pharmacists[i % 2], actor_password=PASSWORD, bag=bag,
                                                          scanned_bag_code=SCAN_A))
    winners = [r for r in results if isinstance(r, Bag)]
    losers = [r for r in results if not isinstance(r, Bag)]
    assert len(winners) == 1 and len(losers) == ATTEMPTS - 1
    assert all(isinstance(r, ValidationError) for r in losers), {type(r) for r in losers}
    assert all("already dispensed by" in m for m in messages(losers))
    assert CustodyEvent.objects.filter(bag=bag, action="dispensed").count() == 1
    bag.refresh_from_db()
    assert bag.status == "dispensed" and bag.dispensed_by == winners[0].dispensed_by
    assert verify() is None


def test_two_bags_many_times_into_one_position_exactly_one_is_placed(episode, org, users):
    bags = received_bags(episode, users, count=2)
    _, (a1, *_) = tank_with_positions(org)

    results = in_batches(ATTEMPTS // 2, lambda i: storage.place_bag(
        actor=users["pharmacist"], bag=bags[i % 2], position=a1, scanned_bag_code=SCAN_A))
    placed = [r for r in results if isinstance(r, Position)]
    refused = [r for r in results if not isinstance(r, Position)]
    assert len(placed) == 1
    assert all(isinstance(r, ValidationError) for r in refused), {type(r) for r in refused}
    winner = placed[0].bag
    assert all("Cuve 1/R1/B1/A1" in m for m in messages(refused))
    assert Position.objects.get(pk=a1.pk).bag == winner
    assert CustodyEvent.objects.filter(action="stored").count() == 1
    assert verify() is None


def test_one_bag_many_times_into_several_positions_lands_in_one(episode, org, users):
    bag = received_bags(episode, users, count=1)[0]
    _, positions = tank_with_positions(org)

    results = in_batches(60, lambda i: storage.place_bag(
        actor=users["pharmacist"], bag=bag, position=positions[i % 3], scanned_bag_code=SCAN_A))
    assert len([r for r in results if isinstance(r, Position)]) == 1
    assert all(isinstance(r, (Position, ValidationError)) for r in results), {type(r) for r in results}
    assert Position.objects.filter(bag=bag).count() == 1
    assert CustodyEvent.objects.filter(action="stored").count() == 1
