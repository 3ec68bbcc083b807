"""seed_synthetic's chain of custody: each episode has the product records of the states it reached, the DINs are
valid and unique, custody events follow each other in time, the product pages show them, and the services take
over where the synthetic chain stops. Then the pure generator (cellrelay/demo/synthetic/products.py), without a database."""

from collections import Counter
import datetime as dt
from decimal import Decimal
import io
import random

from django.core.management import call_command
from django.utils import timezone
from hypothesis import given, strategies as st
import pytest

from cellrelay.demo.synthetic import pathway as pathway_synthetic
from cellrelay.demo.synthetic import products as synthetic
from cellrelay.journal.models import JournalEntry
from cellrelay.organisation.models import Membership
from cellrelay.organisation.permissions import Role
from cellrelay.pathway import protocols
from cellrelay.pathway.models import Episode
from cellrelay.pathway.states import State, StopReason
from cellrelay.pharmacy.services import dispensing
from cellrelay.pharmacy.services import drugs as pharmacy_services
from cellrelay.products import isbt128
from cellrelay.products.custody import VERIFIED
from cellrelay.products.services import administration
from cellrelay.products.services.manufacturing import update_manufacturing
from cellrelay.products.services.receipt import RECEIVED, receive_product
from cellrelay.products.models import Bag, Collection, CustodyEvent, Identifier, Product, Shipment
from tests.conftest import PASSWORD

# The custody events of a chain that went all the way, in order (bag 1 from “dispensed” on).
FULL_CHAIN = ["collected", "shipped", "shipped", "received", "dispensed", "thawed", "bedside_checked",
              "infusion_started", "infused"]


def seed_synthetic(patients=300, seed=5):
    call_command("seed_synthetic", patients=patients, seed=seed, no_progress=True, stdout=io.StringIO())


def reached_states() -> dict[int, dict[str, dt.date]]:
    """{episode id: {state reached: the day}} from the state changes."""
    reached = {}
    for episode in Episode.objects.prefetch_related("state_changes"):
        reached[episode.pk] = {change.to_state: change.on for change in episode.state_changes.all()}
    return reached


def roles_at(center_id) -> dict[int, set[str]]:
    roles = {}
    for user_id, role in Membership.objects.filter(center_id=center_id).values_list("user_id", "role"):
        roles.setdefault(user_id, set()).add(role)
    return roles


def events_by_episode() -> dict[int, list[CustodyEvent]]:
    events = {}
    for event in CustodyEvent.objects.select_related("collection", "product").order_by("pk"):
        episode_id = event.collection.episode_id if event.collection_id else event.product.episode_id
        events.setdefault(episode_id, []).append(event)
    return events


@pytest.mark.django_db
def test_each_episode_has_the_product_records_of_the_states_it_reached(org):
    seed_synthetic()

    reached = reached_states()
    roles = roles_at(org["treating"].pk)
    episodes = Episode.objects.select_related("template", "patient").prefetch_related(
        "collections__shipments", "products__identifiers", "products__bags", "products__shipments",
        "products__custody_events", "drug_reserves")
    infused = 0
    for episode in episodes:
        states = reached[episode.pk]
        collections, products = list(episode.collections.all()), list(episode.products.all())
        assert len(collections) == (State.COLLECTED in states), (episode.pk, states)
        assert len(products) == (State.MANUFACTURING in states), (episode.pk, states)
        if not collections:
            continue
        collection = collections[0]
        assert timezone.localtime(collection.collected_at).date() == states[State.COLLECTED]
        assert Role.APHERESIS_NURSE in roles[collection.operator_id]
        assert collection.volume_ml > 0 and collection.cd3_count > 0
        (out,) = collection.shipments.all()
        assert out.direction == Shipment.Direction.OUT and out.seal_numbers and out.courier
        assert (out.arrived_at is not None) == (State.MANUFACTURING in states)
        if not products:
            continue
        product = products[0]
        assert product.manufacturer == synthetic.MANUFACTURERS[episode.template.product]
        identifiers = {i.scheme: i.value for i in product.identifiers.all()}
        assert identifiers.keys() == {Identifier.Scheme.DIN, Identifier.Scheme.MANUFACTURER}
        assert identifiers[Identifier.Scheme.DIN] == collection.din
        if State.PRODUCT_RECEIVED not in states:
            failed = episode.stop_reason == StopReason.MANUFACTURING_FAILURE
            assert product.status == (Product.Status.FAILED if failed else Product.Status.IN_MANUFACTURING)
            assert bool(product.failure_reason) == failed
            assert not product.bags.exists()
            continue
        assert product.status == Product.Status.ACCEPTED
        (back,) = product.shipments.all()
        (received,) = [e for e in product.custody_events.all() if e.action == CustodyEvent.Action.RECEIVED]
        assert back.direction == Shipment.Direction.BACK and back.departed_at < back.arrived_at <= received.at
        assert timezone.localtime(received.at).date() == states[State.PRODUCT_RECEIVED]
        assert Role.PHARMACIST in roles[received.actor_id]
        assert received.second_person_id and received.second_person_id != received.actor_id
        assert (received.meaning, received.second_meaning) == (RECEIVED, VERIFIED)
        assert received.temperature_c <= (episode.template.storage_max_c or -150)
        bags = list(product.bags.all())
        assert 1 <= len(bags) <= 2 and [bag.number for bag in bags] == list(range(1, len(bags) + 1))
        for bag in bags:
            assert 330 <= (timezone.localtime(bag.expiry).date() - states[State.PRODUCT_RECEIVED]).days <= 400
            assert bag.disposal == "" and not hasattr(bag, "position")
        reserves = list(episode.drug_reserves.all())
        assert len(reserves) == (State.ADMITTED in states)
        if State.INFUSED not in states:
            assert all(bag.status == Bag.Status.AVAILABLE for bag in bags)
            continue
        infused += 1
        (reserve,) = reserves
        assert (reserve.drug, reserve.reserved_doses) == ("tocilizumab", episode.template.tocilizumab_doses)
        given_bag, *others = bags
        assert all(bag.status == Bag.Status.AVAILABLE and bag.dispensed_at is None for bag in others)
        assert given_bag.status == Bag.Status.DISPENSED
        assert Role.PHARMACIST in roles[given_bag.dispensed_by_id]
        assert (received.at < given_bag.dispensed_at <= given_bag.thaw_started_at <= given_bag.bedside_checked_at
                <= given_bag.infusion_started_at <= given_bag.infusion_ended_at)
        assert timezone.localtime(given_bag.infusion_ended_at).date() == states[State.INFUSED]
        assert given_bag.bedside_checked_by_id != given_bag.bedside_second_person_id
        assert not administration.thaw.is_overdue(given_bag.thaw_started_at, episode.template.thaw_limit_minutes,
                                                  given_bag.infusion_ended_at)
    assert infused > 100


@pytest.mark.django_db
def test_every_infused_episode_has_a_collection_an_accepted_identified_product_and_an_infused_bag(org):
    seed_synthetic()

    infused = Episode.objects.filter(state_changes__to_state=State.INFUSED).distinct()
    assert infused.count() > 100
    for episode in infused:
        assert episode.collections.count() == 1
        product = episode.products.get()
        assert product.status == Product.Status.ACCEPTED
        assert set(product.identifiers.values_list("scheme", flat=True)) == {"din", "manufacturer"}
        assert product.bags.filter(status=Bag.Status.DISPENSED, infusion_ended_at__isnull=False).count() == 1


@pytest.mark.django_db
def test_dins_are_valid_unique_and_follow_the_dins_already_used(org, outsider):
    year = timezone.localdate().year % 100
    used = Collection.objects.create(
        episode=_an_episode(org), collected_at=timezone.now(), volume_ml=Decimal("200"),
        operator=org["users"]["apheresis"], din=f"F9999{year:02d}000500")

    seed_synthetic(seed=6)
    seed_synthetic(seed=6)  # the same draws again: new DINs and numbers all the same

    synthetic_collections = Collection.objects.exclude(pk=used.pk).select_related("episode__patient")
    dins = list(synthetic_collections.values_list("din", flat=True))
    assert len(dins) == len(set(dins)) > 200
    for collection in synthetic_collections:
        structure = isbt128.parse("=" + collection.din + "00")
        assert structure.fields["year"] == f"{timezone.localtime(collection.collected_at).year % 100:02d}"
        facility = "F9999" if collection.episode.patient.treating_center_id == org["treating"].pk else "Z9999"
        assert structure.fields["facility"] == facility  # the center's own, or the synthetic one without
        if collection.din.startswith(f"F9999{year:02d}"):
            assert int(structure.fields["sequence"]) > 500
    assert {"F9999", "Z9999"} == {din[:5] for din in dins}
    numbers = list(Identifier.objects.filter(scheme="manufacturer").values_list("value", flat=True))
    assert len(numbers) == len(set(numbers))
    assert sorted(Identifier.objects.filter(scheme="din").values_list("value", flat=True)) == sorted(
        Collection.objects.filter(episode__products__isnull=False).exclude(pk=used.pk).values_list("din", flat=True))


def _an_episode(org):
    from tests.conftest import open_episode, register

    return open_episode(org, register(org, serial=3))


@pytest.mark.django_db
def test_custody_events_of_an_episode_follow_each_other_in_time(org):
    seed_synthetic()

    now = timezone.now()
    chains = events_by_episode()
    assert len(chains) > 150
    for episode_id, events in chains.items():
        times = [event.at for event in events]
        assert times == sorted(times) and times[-1] <= now, episode_id
        assert [event.action for event in events] == FULL_CHAIN[:len(events)], episode_id
        for event in events[FULL_CHAIN.index("dispensed"):]:
            assert event.bag.number == 1 and event.bag.product_id == event.product_id
    assert Counter(len(events) for events in chains.values())[len(FULL_CHAIN)] > 100


@pytest.mark.django_db
def test_seeding_the_chain_writes_one_journal_entry_only(org):
    before = JournalEntry.objects.count()

    seed_synthetic(patients=100)

    assert CustodyEvent.objects.exists()
    assert JournalEntry.objects.count() == before + 1
    assert JournalEntry.objects.latest("pk").action == JournalEntry.Action.DATA_SEEDED


@pytest.mark.django_db
def test_the_product_page_shows_a_synthetic_patients_chain(org, client_as):
    seed_synthetic(patients=100)
    # The patients are spread over every treating center, the outsider's too (client_as creates it).
    episode = Episode.objects.filter(patient__treating_center=org["treating"], state_changes__to_state=State.INFUSED,
                                     products__isnull=False).first()
    din = episode.collections.get().din

    response = client_as("coordinator").get(f"/episodes/{episode.pk}/products/")

    assert response.status_code == 200
    assert din in response.content.decode()


@pytest.mark.django_db
def test_the_services_take_over_where_the_synthetic_chain_stops(org):
    """A synthetic product at the manufacturer is released and received through the services."""
    seed_synthetic(patients=1000)  # about 1 % of the episodes are at the manufacturer today
    users = org["users"]
    product = (Product.objects.filter(episode__state=State.MANUFACTURING, status=Product.Status.IN_MANUFACTURING,
                                      episode__patient__treating_center=org["treating"])
               .select_related("episode").first())
    din = product.identifiers.get(scheme="din").value
    number = product.identifiers.get(scheme="manufacturer").value

    update_manufacturing(actor=users["coordinator"], product=product, status=Product.Status.RELEASED)
    receive_product(
        actor=users["pharmacist"], actor_password=PASSWORD, second_person=users["pharmacist2"],
        second_password=PASSWORD, product=product, scanned=[synthetic.din_scan(din), number], seal_intact=True,
        shipper_temperature_c=Decimal("-180"), documents_ok=True, bag_count=1,
        bag_expiry=timezone.now() + dt.timedelta(days=300))

    product.refresh_from_db()
    assert product.status == Product.Status.ACCEPTED
    assert Episode.objects.get(pk=product.episode_id).state == State.PRODUCT_RECEIVED


# The pure generator, without a database ------------------------------------------------------------------

PROTOCOLS = {(p.product, p.indication): p for p in protocols.DEFAULTS}
STAFF = synthetic.Staff(apheresis=[1], pharmacists=[2, 3], receipt_witnesses=[2, 3, 4], nurses=[5],
                        bedside_witnesses=[6, 5])


def lived_cases(seed: int, today: dt.date, count: int = 40):
    rng = random.Random(seed)
    meetings = pathway_synthetic.meeting_days(today)
    cases = [pathway_synthetic.case(rng, today=today, birth_date=dt.date(1960, 3, 1), sex="F", meetings=meetings,
                                    protocols=PROTOCOLS, weight_kg=Decimal("64.0"), height_cm=Decimal("165.0"))
             for _ in range(count)]
    return [case for case in cases if case.episode is not None]


def chain_of(rng, case, now, numbering=None):
    protocol = PROTOCOLS[case.decision["product"], case.decision["indication"]]
    return synthetic.custody(rng, case.episode, product=case.decision["product"],
                             thaw_limit_minutes=protocol.thaw_limit_minutes,
                             tocilizumab_doses=protocol.tocilizumab_doses, facility="F9999", ipp="SY00000042",
                             staff=STAFF, numbering=numbering or synthetic.Numbering(lambda f, y: None, 0), now=now)


@given(seed=st.integers(min_value=0, max_value=2**64), today=st.dates(dt.date(2024, 1, 1), dt.date(2040, 12, 31)),
       hour=st.integers(0, 23))
def test_a_generated_chain_matches_the_states_reached_and_keeps_time(seed, today, hour):
    now = dt.datetime.combine(today, dt.time(hour, 17))
    rng = random.Random(seed)
    for case in lived_cases(seed, today):
        reached = {after for _before, after, _on in case.episode.changes}
        chain = chain_of(rng, case, now)
        assert (chain is not None) == (State.COLLECTED in reached)
        if chain is None:
            continue
        times = [event.at for event in chain.events]
        assert times == sorted(times) and times[-1] <= now
        assert [event.action for event in chain.events] == FULL_CHAIN[:len(chain.events)]
        isbt128.parse(synthetic.din_scan(chain.din))
        made = chain.product
        assert (made is not None) == (State.MANUFACTURING in reached)
        if made is None:
            continue
        if State.PRODUCT_RECEIVED in reached:
            assert made.status == synthetic.ACCEPTED and 1 <= len(made.bags) <= 2
        elif case.episode.stop_reason == StopReason.MANUFACTURING_FAILURE:
            assert made.status == synthetic.FAILED and made.failure_reason
        else:
            assert made.status == synthetic.IN_MANUFACTURING and not made.bags
        infused = [bag for bag in made.bags if bag.infusion_ended_at]
        assert len(infused) == (State.INFUSED in reached)
        for bag in infused:
            limit = PROTOCOLS[case.decision["product"], case.decision["indication"]].thaw_limit_minutes
            assert bag.infusion_ended_at - bag.thaw_started_at <= dt.timedelta(
                minutes=limit or synthetic.THAW_BUDGET_MINUTES)


def test_a_seed_reproduces_the_same_chains():
    today = dt.date(2026, 6, 1)
    now = dt.datetime(2026, 6, 1, 14, 0)
    first = [chain_of(random.Random(7), case, now) for case in lived_cases(3, today)]
    again = [chain_of(random.Random(7), case, now) for case in lived_cases(3, today)]
    assert first == again and any(first)


def test_numbering_continues_above_the_numbers_used_per_facility_and_year():
    used = {("F9999", 2026): 41}
    numbering = synthetic.Numbering(lambda facility, year: used.get((facility, year)), highest_number=9)

    assert numbering.din("F9999", 2026) == "F999926000042"
    assert numbering.din("F9999", 2026) == "F999926000043"
    assert numbering.din("F9999", 2025) == "F999925000001"
    assert numbering.din("Z9999", 2026) == "Z999926000001"
    assert numbering.manufacturer_number("Kite") == "KITE-COI-SY00000010"
    assert numbering.manufacturer_number("Janssen") == "JNJ-COI-SY00000011"
    with pytest.raises(ValueError):
        synthetic.Numbering(lambda facility, year: isbt128.LAST_SEQUENCE, 0).din("F9999", 2026)


def test_a_center_without_a_valid_facility_number_gets_the_synthetic_one():
    assert synthetic.facility_for("F9999") == "F9999"
    for invalid in ("", "O1234", "01234", "F99"):
        assert synthetic.facility_for(invalid) == synthetic.SYNTHETIC_FACILITY
    assert isbt128.parse(synthetic.din_scan(synthetic.Numbering(lambda f, y: None, 0).din("Z9999", 2026)))


def test_every_product_has_a_manufacturer_and_the_signatures_mean_what_the_services_store():
    assert synthetic.MANUFACTURERS.keys() == protocols.PRODUCTS.keys()
    assert set(synthetic.MANUFACTURERS.values()) == synthetic.NUMBER_PREFIXES.keys()
    assert (synthetic.RECEIVED, synthetic.VERIFIED) == (RECEIVED, VERIFIED)
    assert synthetic.DISPENSED == dispensing.DISPENSED
    assert synthetic.CHECKED_AT_BEDSIDE == administration.CHECKED_AT_BEDSIDE
    assert synthetic.TOCILIZUMAB == pharmacy_services.TOCILIZUMAB
    assert {synthetic.COLLECTED, synthetic.SHIPPED, synthetic.RECEIVED_ACTION, synthetic.DISPENSED_ACTION,
            synthetic.THAWED, synthetic.BEDSIDE_CHECKED, synthetic.INFUSION_STARTED,
            synthetic.INFUSED} <= set(CustodyEvent.Action.values)
    assert {synthetic.IN_MANUFACTURING, synthetic.FAILED, synthetic.ACCEPTED} <= set(Product.Status.values)
