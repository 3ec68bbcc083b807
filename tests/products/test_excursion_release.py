"""A temperature excursion in the product's return shipment: it blocks the dispensing until the pharmacist releases
it with a signed decision, from the product page."""

import datetime as dt
import html

import pytest
from django.utils import timezone

from cellrelay.journal.models import JournalEntry
from cellrelay.pathway.states import State
from cellrelay.pharmacy.services.dispensing import dispense_bag
from cellrelay.pharmacy.services.drugs import reserve_drug
from cellrelay.products.models import Bag, Deviation
from cellrelay.products.services import shipping
from tests.conftest import PASSWORD
from tests.pathway.test_episode import walk_to
from tests.pharmacy.helpers import COI_A, SCAN_A, plan_infusion_on
from tests.products.test_custody import DIN_A, receive, refused, released, scanned_din

pytestmark = pytest.mark.django_db

REASON = "Logger probe out of the shipper at the airport; the product stayed frozen (manufacturer review)."


def logger_file(*temperatures) -> str:
    """A dry shipper's logger file: one reading every 10 minutes, ending an hour ago."""
    start = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=60 + 10 * len(temperatures))
    rows = [f"{(start + dt.timedelta(minutes=10 * i)).isoformat()},{t}" for i, t in enumerate(temperatures)]
    return "timestamp,temperature_c\n" + "\n".join(rows) + "\n"


def bags_after_an_excursion(episode, users) -> list[Bag]:
    """Shipped back with a warm spell in the logger's file (Yescarta: at or below -150 °C), received and accepted at
    -180 °C in the shipper, the patient in lymphodepletion on the infusion day, tocilizumab reserved."""
    product = released(episode, users, [("din", scanned_din(DIN_A)), ("coi_isbt", COI_A),
                                        ("manufacturer", "KITE-123")])
    shipment = shipping.record_shipment(
        actor=users["pharmacist"], product_or_collection=product, direction="back", courier="World Courier",
        shipper_id="DS-0042", seal_numbers=["S1"], departed_at=timezone.now() - dt.timedelta(hours=14),
        arrived_at=timezone.now() - dt.timedelta(minutes=30))
    shipping.attach_temperature_log(actor=users["pharmacist"], shipment=shipment,
                                    csv_file=logger_file("-185.0", "-120.4", "-183.0"))
    product = receive(product, users, bag_count=2)
    assert product.status == "accepted"  # the shipper read -180 °C at the receipt: nothing to quarantine there
    product.episode.refresh_from_db()
    episode = walk_to(product.episode, users, State.LYMPHODEPLETION)
    plan_infusion_on(episode, timezone.localdate())
    reserve_drug(actor=users["pharmacist"], episode=episode)
    return list(product.bags.all())


@pytest.fixture
def bags(episode, users):
    return bags_after_an_excursion(episode, users)


def excursion():
    return Deviation.objects.get(kind="temperature_excursion")


def dispense(bag, users):
    return dispense_bag(actor=users["pharmacist"], actor_password=PASSWORD, bag=bag, scanned_bag_code=SCAN_A)


def release(users, username="pharmacist", **overrides):
    fields = dict(actor=users[username], actor_password=PASSWORD, reason=REASON)
    fields.update(overrides)
    if "deviation" not in fields:
        fields["deviation"] = excursion()
    return shipping.release_excursion(**fields)


# The service ------------------------------------------------------------------------------------------------

def test_an_unreleased_excursion_refuses_the_dispensing(bags, users):
    message = refused(lambda: dispense(bags[0], users), "product")
    assert "temperature excursion of the product's shipment is not released" in message
    assert "dry shipper DS-0042: -120.4 °C, limit ≤ -150 °C" in message
    bag = Bag.objects.get(pk=bags[0].pk)
    assert bag.status == "available" and not JournalEntry.objects.filter(action="products.bag_dispensed").exists()


def test_the_signed_release_lets_the_bag_be_dispensed(bags, users):
    deviation = release(users)
    assert (deviation.released_by, deviation.release_reason) == (users["pharmacist"], REASON)
    signature = JournalEntry.objects.get(action="signature.signed", object_id=str(deviation.pk),
                                         object_type="products.deviation")
    assert (signature.actor, signature.after["meaning"]) == (users["pharmacist"], "temperature excursion released")
    entry = JournalEntry.objects.get(action="products.excursion_released")
    assert entry.after["reason"] == REASON and entry.patient_id == deviation.episode.patient_id
    assert dispense(bags[0], users).status == "dispensed"


@pytest.mark.parametrize("overrides, field, says", [
    ({"actor_password": "wrong"}, "actor_password", "The password is wrong"),
    ({"reason": "  "}, "reason", "Say what was checked"),
])
def test_a_release_without_signature_or_reason_changes_nothing(bags, users, overrides, field, says):
    assert says in refused(lambda: release(users, **overrides), field)
    assert excursion().released_at is None
    assert not JournalEntry.objects.filter(action__in=["products.excursion_released", "signature.signed"],
                                           object_type="products.deviation").exists()


def test_an_excursion_is_released_once(bags, users):
    release(users)
    message = refused(lambda: release(users, username="pharmacist2"), "deviation")
    assert "already released by Sophie Dubois" in message
    assert excursion().released_by == users["pharmacist"]


def test_only_a_shipment_excursion_is_released_this_way(episode, users):
    product = receive(released(episode, users, [("din", scanned_din(DIN_A)), ("manufacturer", "KITE-123")]), users,
                      seal_intact=False)  # quarantined: that deviation is decided by the release from quarantine
    seal = Deviation.objects.get(product=product, kind="seal_broken")
    message = refused(lambda: release(users, deviation=seal), "deviation")
    assert "Only a temperature excursion found in a shipment's log" in message


# The pages --------------------------------------------------------------------------------------------------

def test_the_dispense_page_shows_the_excursion_as_a_failed_check(bags, client_as):
    page = client_as("pharmacist").get(f"/bags/{bags[0].pk}/dispense/").content.decode()
    row = page[page.index("No unreleased temperature excursion in shipment"):]
    row = row[:row.index("</tr>")]
    assert "Temperature excursion, not released: dry shipper DS-0042: -120.4 °C, limit ≤ -150 °C" in row
    before_row = page[:page.index("No unreleased temperature excursion in shipment")]
    assert before_row.rstrip().endswith('<th scope="row">') and 'class="unmet"' in before_row[-200:]
    assert "The bag is dispensed once every condition is met." in page
    assert "Decide on the temperature excursion on the product page" in page


def test_the_product_page_offers_the_release_next_to_the_excursion_to_the_pharmacist_only(bags, client_as):
    deviation = excursion()
    link = f'href="/deviations/{deviation.pk}/release/"'
    chain = f"/episodes/{deviation.episode_id}/products/"
    assert link in client_as("pharmacist").get(chain).content.decode()
    page = client_as("coordinator").get(chain).content.decode()
    assert link not in page and "Not released: no bag is dispensed" in page
    assert client_as("coordinator").get(f"/deviations/{deviation.pk}/release/").status_code == 403


def test_the_pharmacist_releases_on_the_page(bags, client_as, users):
    deviation = excursion()
    client = client_as("pharmacist")
    url = f"/deviations/{deviation.pk}/release/"
    page = client.get(url).content.decode()
    assert "-120.4 °C" in page and "DS-0042" in page
    refused_page = client.post(url, {"reason": REASON, "actor_password": "wrong"})
    assert refused_page.status_code == 200 and "The password is wrong" in refused_page.content.decode()
    assert excursion().released_at is None
    response = client.post(url, {"reason": REASON, "actor_password": PASSWORD}, follow=True)
    assert response.redirect_chain == [(f"/episodes/{deviation.episode_id}/products/", 302)]
    page = response.content.decode()
    assert "The temperature excursion is released: the product may be dispensed." in page
    assert "Released by Sophie Dubois" in page and REASON in page
    assert excursion().released_by == users["pharmacist"]


def test_the_release_page_of_another_deviation_says_why_it_is_not_released_there(episode, users, client_as):
    product = receive(released(episode, users, [("din", scanned_din(DIN_A)), ("manufacturer", "KITE-123")]), users,
                      seal_intact=False)  # a receipt's deviation, decided by the release from quarantine
    seal = Deviation.objects.get(product=product, kind="seal_broken")
    client = client_as("pharmacist")
    url = f"/deviations/{seal.pk}/release/"
    why = "Only a temperature excursion found in a shipment's log is released here."
    page = client.get(url)
    assert page.status_code == 200 and why in html.unescape(page.content.decode())
    posted = client.post(url, {"reason": REASON, "actor_password": PASSWORD})
    assert posted.status_code == 200 and why in html.unescape(posted.content.decode())
    seal.refresh_from_db()
    assert seal.released_at is None


def test_the_inspection_pdf_says_what_was_decided_on_the_excursion(bags, users):
    from cellrelay.products import chain, custody_pdf

    def decision_of_the_excursion():
        rows = custody_pdf.deviation_rows(chain.chain_of(excursion().episode))
        return [row[-1] for row in rows if row[1] == "Temperature excursion"]

    assert decision_of_the_excursion() == ["Not released: no bag is dispensed"]
    release(users)
    [released] = decision_of_the_excursion()
    assert released.startswith("Released by Sophie Dubois on ") and released.endswith(f": {REASON}")
