"""Dispensing a bag: every precondition refused with its reason, the hard stop, the signature, one dispense."""

import datetime as dt

import pytest
from django.utils import formats, timezone

from cellrelay.journal.models import JournalEntry
from cellrelay.pathway.states import State
from cellrelay.pharmacy.services import storage
from cellrelay.pharmacy.services.drugs import reserve_drug
from cellrelay.pharmacy.services.dispensing import dispense_bag
from cellrelay.products.models import Bag, CustodyEvent, Deviation, Product
from tests.conftest import PASSWORD
from tests.pharmacy.helpers import SCAN_A, plan_infusion_on, received_bags, tank_with_positions
from tests.products.test_custody import refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def bags(episode, users):
    """Two bags of an accepted product; the episode in lymphodepletion with its tocilizumab reserved."""
    bags = received_bags(episode, users, state=State.LYMPHODEPLETION)
    reserve_drug(actor=users["pharmacist"], episode=bags[0].product.episode)
    return bags


def dispense(bag, users, **overrides):
    fields = dict(actor=users["pharmacist"], actor_password=PASSWORD, bag=bag, scanned_bag_code=SCAN_A)
    fields.update(overrides)
    return dispense_bag(**fields)


def nothing_dispensed(bag):
    bag.refresh_from_db()
    assert bag.status == "available" and bag.dispensed_at is None and bag.dispensed_by is None
    assert not CustodyEvent.objects.filter(action="dispensed").exists()
    assert not JournalEntry.objects.filter(action="products.bag_dispensed").exists()


def test_a_stored_bag_is_dispensed_signed_and_leaves_its_position(bags, org, users):
    _, (a1, *_) = tank_with_positions(org)
    storage.place_bag(actor=users["pharmacist"], bag=bags[0], position=a1, scanned_bag_code=SCAN_A)
    bag = dispense(bags[0], users)
    assert bag.status == "dispensed" and bag.dispensed_by == users["pharmacist"] and bag.dispensed_at
    a1.refresh_from_db()
    assert a1.bag is None
    event = CustodyEvent.objects.get(action="dispensed")
    assert (event.bag, event.place, event.meaning, event.scanned) == (bag, "Cuve 1/R1/B1/A1", "dispensed", [SCAN_A])
    entry = JournalEntry.objects.get(action="products.bag_dispensed")
    assert entry.after["from_position"] == "Cuve 1/R1/B1/A1" and entry.before == {"status": "available"}
    signature = JournalEntry.objects.get(action="signature.signed", object_id=str(event.pk))
    assert signature.after["meaning"] == "dispensed"
    bags[1].refresh_from_db()
    assert bags[1].status == "available"  # one bag at a time


def test_a_second_dispense_names_who_and_when(bags, users):
    dispense(bags[0], users)
    message = refused(lambda: dispense(bags[0], users, actor=users["coordinator"]), "bag")
    pharmacist = users["pharmacist"]
    assert f"already dispensed by {pharmacist.get_full_name() or pharmacist.username} at" in message
    assert CustodyEvent.objects.filter(action="dispensed").count() == 1


def test_an_episode_not_in_lymphodepletion_is_refused(episode, users):
    bag = received_bags(episode, users, count=1)[0]  # product received, patient not admitted yet
    reserve_drug(actor=users["pharmacist"], episode=bag.product.episode)
    message = refused(lambda: dispense(bag, users), "episode")
    assert "during the lymphodepletion" in message and "Product received" in message
    nothing_dispensed(bag)


def test_without_tocilizumab_reserved_it_is_refused(episode, users):
    bag = received_bags(episode, users, count=1, state=State.LYMPHODEPLETION)[0]
    needed = bag.product.episode.template.tocilizumab_doses
    message = refused(lambda: dispense(bag, users), "tocilizumab")
    assert f"Reserve {needed} dose(s) of tocilizumab" in message and "0 available" in message
    nothing_dispensed(bag)


def test_a_used_up_reserve_is_refused_too(bags, users):
    from cellrelay.pharmacy.models import DrugReserve

    DrugReserve.objects.filter(drug="tocilizumab").update(used_doses=1)
    assert "available" in refused(lambda: dispense(bags[0], users), "tocilizumab")
    nothing_dispensed(bags[0])


def test_an_expired_bag_is_refused(bags, users):
    Bag.objects.filter(pk=bags[0].pk).update(expiry=timezone.now() - dt.timedelta(minutes=1))
    assert "This bag expired on" in refused(lambda: dispense(bags[0], users), "bag")
    nothing_dispensed(bags[0])


def test_a_quarantined_product_is_refused(bags, users):
    Product.objects.filter(pk=bags[0].product_id).update(status="quarantined")
    message = refused(lambda: dispense(bags[0], users), "product")
    assert "Quarantined" in message and "only an accepted product is dispensed" in message
    nothing_dispensed(bags[0])


def test_a_wrong_password_is_refused_and_nothing_is_written(bags, users):
    entries = JournalEntry.objects.count()
    refused(lambda: dispense(bags[0], users, actor_password="wrong"), "actor_password")
    nothing_dispensed(bags[0])
    assert JournalEntry.objects.count() == entries


def test_another_code_is_a_hard_stop_with_a_kept_deviation(bags, users):
    message = refused(lambda: dispense(bags[0], users, scanned_bag_code="KITE-124"), "scanned_bag_code")
    assert "HARD STOP" in message and "KITE-124 is not an identifier of bag 1" in message
    deviation = Deviation.objects.get()
    assert deviation.kind == "identity_mismatch" and deviation.product == bags[0].product
    nothing_dispensed(bags[0])


# The infusion day -------------------------------------------------------------------------------------------

def test_before_the_planned_infusion_day_it_is_refused(bags, users):
    """Dispensed on LD day 2, four days before D0: refused (the bag would wait out of the tank)."""
    infusion = timezone.localdate() + dt.timedelta(days=4)
    plan_infusion_on(bags[0].product.episode, infusion)
    message = refused(lambda: dispense(bags[0], users), "at")
    assert message == (f"The planned infusion is on {formats.date_format(infusion, 'DATE_FORMAT')}: dispense on the "
                       "infusion day.")
    nothing_dispensed(bags[0])


def test_a_dispensing_recorded_the_evening_before_the_infusion_is_refused(bags, users):
    evening_before = timezone.localtime().replace(hour=20, minute=0, second=0, microsecond=0) - dt.timedelta(days=1)
    refused(lambda: dispense(bags[0], users, at=evening_before), "at")
    nothing_dispensed(bags[0])
