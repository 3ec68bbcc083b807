"""The collected cells waiting to be shipped: one rule (``products/to_ship.py``) kept as a marker on the collection by
every change that starts or ends the wait, and read the same way by the worklist and the product's chain page."""

import pytest
from django.utils import timezone

from cellrelay.pathway.models import Episode
from cellrelay.pathway.services import stop_episode
from cellrelay.pathway.states import StopReason
from cellrelay.products import to_ship
from cellrelay.products.models import Collection
from cellrelay.products.services.manufacturing import register_product, update_manufacturing
from tests.products.test_chain_page import chain_html
from tests.products.test_custody import DIN_A, DIN_B, collected, scanned_din
from tests.products.test_shipping import ship

pytestmark = pytest.mark.django_db

SHIP = "Ship the collected cells (DIN %s)" % DIN_A


def since(collection):
    return Collection.objects.get(pk=collection.pk).to_ship_since


def worklist(client) -> str:
    return client.get("/worklist/").content.decode()


def test_collected_cells_wait_from_their_collection_until_they_are_shipped(episode, users, client_as):
    collection = collected(episode, users)
    assert since(collection) == collection.collected_at
    apheresis = client_as("apheresis")
    assert SHIP in worklist(apheresis) and SHIP in chain_html(apheresis, episode)
    ship(users, collection, "out")
    assert since(collection) is None
    assert SHIP not in worklist(apheresis) and SHIP not in chain_html(apheresis, episode)


def test_cells_registered_at_the_manufacturer_but_not_shipped_still_wait(episode, users):
    collection = collected(episode, users)
    product = register_product(actor=users["coordinator"], episode=collection.episode, manufacturer="Kite",
                               identifiers=[("din", scanned_din(DIN_A))])
    assert Episode.objects.get(pk=episode.pk).state == "manufacturing" and since(collection) is not None
    update_manufacturing(actor=users["coordinator"], product=product, status="released")
    assert since(collection) is not None  # still at the manufacturer's stage: the cells have not left


def test_stopping_the_episode_ends_the_wait_of_its_cells(episode, users, client_as):
    collection = collected(episode, users)
    stop_episode(actor=users["haematologist"], episode=Episode.objects.get(pk=episode.pk),
                 reason=StopReason.PROGRESSION, on=timezone.localdate(), expected_version=None)
    assert since(collection) is None
    assert SHIP not in worklist(client_as("apheresis"))


def test_marking_every_collection_from_the_rule_finds_what_the_services_kept(episode, users):
    shipped, waiting = collected(episode, users), None
    ship(users, shipped, "out")
    product = register_product(actor=users["coordinator"], episode=shipped.episode, manufacturer="Kite",
                               identifiers=[("din", scanned_din(DIN_A))])
    update_manufacturing(actor=users["coordinator"], product=product, status="failed", reason="low yield")
    from cellrelay.products.services.collection import record_collection

    waiting = record_collection(actor=users["apheresis"], episode=Episode.objects.get(pk=episode.pk),
                                collected_at=shipped.collected_at + timezone.timedelta(days=20), volume_ml=200,
                                din=scanned_din(DIN_B))
    kept = {c.pk: c.to_ship_since for c in Collection.objects.all()}
    assert kept == {shipped.pk: None, waiting.pk: waiting.collected_at}
    Collection.objects.update(to_ship_since=None)
    assert to_ship.mark_all() == 1
    assert {c.pk: c.to_ship_since for c in Collection.objects.all()} == kept
