"""Chain of identity and custody through the services: collection, product, manufacturing, two-person receipt."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cellrelay.journal.models import JournalEntry
from cellrelay.pathway.states import State
from cellrelay.products import isbt128
from cellrelay.products.custody import sign
from cellrelay.products.services.collection import record_collection
from cellrelay.products.services.manufacturing import register_product, update_manufacturing
from cellrelay.products.services.receipt import receive_product, release_from_quarantine
from cellrelay.products.models import Collection, CustodyEvent, Deviation, Identifier, Product
from tests.conftest import PASSWORD, open_episode, register
from tests.pathway.test_episode import plan_from_past_apheresis, walk_to

pytestmark = pytest.mark.django_db

DIN_A, DIN_B, DIN_C = "G123426000001", "G123426000002", "G123426000003"
COI_A = "&/CHG123426AB12CD"


def scanned_din(din: str) -> str:
    """As the scanner reads a bag label: data identifier, DIN, type 3 flag."""
    return f"={din}{isbt128.type3_flag(din)}"


def collected(episode, users, din=DIN_A):
    episode = walk_to(plan_from_past_apheresis(episode, users), users, State.APHERESIS_SCHEDULED)
    aph = episode.milestones.get(code="APH").planned
    at = timezone.make_aware(dt.datetime.combine(aph, dt.time(10, 0)))
    return record_collection(actor=users["apheresis"], episode=episode, collected_at=at,
                             volume_ml=Decimal("250.0"), din=scanned_din(din), cd3_count=Decimal("4.2"))


def released(episode, users, identifiers, din=DIN_A):
    collection = collected(episode, users, din)
    product = register_product(actor=users["coordinator"], episode=collection.episode,
                               manufacturer="Kite", identifiers=identifiers)
    update_manufacturing(actor=users["coordinator"], product=product, status="released")
    return update_manufacturing(actor=users["coordinator"], product=product, status="shipped")


@pytest.fixture
def product(episode, users):
    return released(episode, users, [("din", scanned_din(DIN_A)), ("coi_isbt", COI_A), ("manufacturer", "KITE-123")])


@pytest.fixture
def other_product(org, users):
    """Another patient's product, at the manufacturer."""
    patient = register(org, family="Lefebvre", given="Anne", sex="F", birth=dt.date(1958, 1, 9), serial=7)
    episode = open_episode(org, patient)
    return released(episode, users, [("din", scanned_din(DIN_B)), ("manufacturer", "KITE-999")], din=DIN_C)


def receive(product, users, **overrides):
    fields = dict(actor=users["pharmacist"], actor_password=PASSWORD, second_person=users["pharmacist2"],
                  second_password=PASSWORD,
                  product=product, scanned=[scanned_din(DIN_A), "KITE-123"], seal_intact=True,
                  shipper_temperature_c=Decimal("-180"), documents_ok=True, place="PUI", bag_count=1,
                  bag_expiry=timezone.now() + dt.timedelta(days=300))
    fields.update(overrides)
    return receive_product(**fields)


def refused(call, field):
    with pytest.raises(ValidationError) as caught:
        call()
    assert field in caught.value.message_dict, caught.value.message_dict
    return " ".join(caught.value.message_dict[field])


def journaled(action) -> int:
    return JournalEntry.objects.filter(action=action).count()


# Collection -----------------------------------------------------------------------------------------

def test_collection_moves_the_episode_and_records_a_custody_event(episode, users):
    collection = collected(episode, users)
    collection.episode.refresh_from_db()
    assert collection.episode.state == State.COLLECTED
    assert collection.din == DIN_A
    assert collection.episode.milestones.get(code="APH").status == "done"
    event = CustodyEvent.objects.get(collection=collection)
    assert event.action == "collected" and event.actor == users["apheresis"]
    assert journaled("products.collection_recorded") == 1


def test_a_malformed_din_is_refused_with_its_reason_and_nothing_is_saved(episode, users):
    episode = walk_to(plan_from_past_apheresis(episode, users), users, State.APHERESIS_SCHEDULED)
    corrupt = f"={DIN_A}{int(isbt128.type3_flag(DIN_A)) + 1}"
    message = refused(lambda: record_collection(
        actor=users["apheresis"], episode=episode, collected_at=timezone.now() - dt.timedelta(hours=1),
        volume_ml=200, din=corrupt), "din")
    assert "does not match the DIN" in message
    assert not Collection.objects.exists() and not CustodyEvent.objects.exists()
    episode.refresh_from_db()
    assert episode.state == State.APHERESIS_SCHEDULED


def test_a_product_code_is_not_a_din(episode, users):
    episode = walk_to(plan_from_past_apheresis(episode, users), users, State.APHERESIS_SCHEDULED)
    message = refused(lambda: record_collection(
        actor=users["apheresis"], episode=episode, collected_at=timezone.now(), volume_ml=200,
        din="=<S12954A0"), "din")
    assert "not a donation identification number" in message


# Product and manufacturing -------------------------------------------------------------------------------

def test_registering_the_product_moves_the_episode_to_manufacturing(episode, users):
    collection = collected(episode, users)
    product = register_product(actor=users["coordinator"], episode=collection.episode,
                               manufacturer="Kite", identifiers=[("din", scanned_din(DIN_A))])
    product.episode.refresh_from_db()
    assert product.episode.state == State.MANUFACTURING
    assert list(product.identifiers.values_list("scheme", "value")) == [("din", DIN_A)]
    assert journaled("products.product_registered") == 1


def test_identifiers_are_unique_across_products(product, org, users):
    patient = register(org, family="Roux", given="Yves", serial=9)
    collection = collected(open_episode(org, patient), users, din=DIN_C)
    message = refused(lambda: register_product(
        actor=users["coordinator"], episode=collection.episode, manufacturer="Kite",
        identifiers=[("manufacturer", " KITE-123 ")]), "identifiers")
    assert "KITE-123 already identifies another product" in message
    assert Product.objects.count() == 1


def test_a_failure_needs_a_reason_and_a_new_collection_may_follow(episode, users):
    collection = collected(episode, users)
    product = register_product(actor=users["coordinator"], episode=collection.episode,
                               manufacturer="Kite", identifiers=[("manufacturer", "KITE-1")])
    refused(lambda: update_manufacturing(actor=users["coordinator"], product=product, status="failed"),
            "reason")
    product = update_manufacturing(actor=users["coordinator"], product=product, status="failed",
                                   reason="Insufficient expansion")
    assert product.status == "failed"
    product.episode.refresh_from_db()
    assert product.episode.state == State.MANUFACTURING  # a failure stops nothing by itself
    again = record_collection(actor=users["apheresis"], episode=product.episode,
                              collected_at=timezone.now() - dt.timedelta(hours=2), volume_ml=180,
                              din=scanned_din(DIN_B))
    second = register_product(actor=users["coordinator"], episode=again.episode, manufacturer="Kite",
                              identifiers=[("manufacturer", "KITE-2")])
    assert second.episode.products.count() == 2


def test_a_shipped_product_cannot_go_back_to_released(product, users):
    assert product.status == "shipped"
    refused(lambda: update_manufacturing(actor=users["coordinator"], product=product, status="released"),
            "status")


# Receipt: two-person verification --------------------------------------------------------------------

def test_receipt_with_two_people_accepts_the_product_and_moves_the_episode(product, users):
    product = receive(product, users, scanned=[scanned_din(DIN_A), COI_A, "KITE-123"])
    assert product.status == "accepted"
    product.episode.refresh_from_db()
    assert product.episode.state == State.PRODUCT_RECEIVED
    assert product.episode.milestones.get(code="RCPT").status == "done"
    event = CustodyEvent.objects.get(product=product, action="received")
    assert (event.actor, event.second_person) == (users["pharmacist"], users["pharmacist2"])
    assert (event.meaning, event.second_meaning) == ("received", "verified")
    assert event.temperature_c == Decimal("-180")
    signatures = JournalEntry.objects.filter(action="signature.signed", object_id=str(event.pk))
    assert sorted((s.actor.username, s.after["meaning"]) for s in signatures) == [
        ("pharmacist", "received"), ("pharmacist2", "verified")]
    assert journaled("products.product_received") == 1
    assert not Deviation.objects.exists()


@pytest.mark.parametrize("second", ["coordinator", "admin"])
def test_the_receipt_is_verified_by_the_pharmacy_only(product, users, second):
    message = refused(lambda: receive(product, users, second_person=users[second]), "second_person")
    assert "may not verify this step" in message and "(Pharmacist)" in message
    product.refresh_from_db()
    assert product.status == "shipped" and not product.bags.exists()
    assert not CustodyEvent.objects.filter(action="received").exists() and not journaled("signature.signed")


def test_the_same_person_twice_is_refused(product, users):
    message = refused(lambda: receive(product, users, second_person=users["pharmacist"]), "second_person")
    assert "cannot be the person receiving" in message
    product.refresh_from_db()
    assert product.status == "shipped"


@pytest.mark.parametrize("field", ["actor_password", "second_password"])
def test_a_wrong_password_of_either_signer_is_refused_and_nothing_changes(product, users, field):
    entries = JournalEntry.objects.count()
    refused(lambda: receive(product, users, **{field: "wrong"}), field)
    product.refresh_from_db()
    product.episode.refresh_from_db()
    assert product.status == "shipped" and product.episode.state == State.MANUFACTURING
    assert JournalEntry.objects.count() == entries
    assert not CustodyEvent.objects.filter(product=product).exists() and not Deviation.objects.exists()


def test_sign_rechecks_the_password(users):
    assert sign(user=users["pharmacist"], password=PASSWORD, meaning="released").meaning == "released"
    refused(lambda: sign(user=users["pharmacist"], password="nope", meaning="released"), "password")


def test_another_patients_bag_is_a_hard_stop_with_a_kept_deviation(product, other_product, users):
    message = refused(lambda: receive(product, users, scanned=[scanned_din(DIN_A), scanned_din(DIN_B)]), "scanned")
    assert "HARD STOP" in message and "another patient's product" in message
    assert f"={DIN_B}" in message  # what was scanned
    assert f"ISBT 128 DIN {DIN_A}" in message and "KITE-123" in message  # what was expected
    deviation = Deviation.objects.get()
    assert (deviation.kind, deviation.product, deviation.other_product) == (
        "identity_mismatch", product, other_product)
    assert DIN_A in deviation.expected and DIN_B in deviation.scanned
    assert journaled("products.deviation_recorded") == 1
    product.refresh_from_db()
    product.episode.refresh_from_db()
    assert product.status == "shipped" and product.episode.state == State.MANUFACTURING
    assert not CustodyEvent.objects.filter(action="received").exists()
    assert journaled("products.product_received") == 0 and journaled("signature.signed") == 0


def test_a_code_matching_nothing_is_a_hard_stop_too(product, users):
    message = refused(lambda: receive(product, users, scanned=["KITE-124"]), "scanned")
    assert "KITE-124 is not an identifier of this product" in message
    assert Deviation.objects.get().other_product is None


def test_an_unreadable_scan_is_refused_without_deviation(product, users):
    refused(lambda: receive(product, users, scanned=[f"={DIN_A}99"]), "scanned")
    assert not Deviation.objects.exists()


def test_a_temperature_excursion_quarantines_the_product(product, users):
    product = receive(product, users, shipper_temperature_c=Decimal("-140"))  # Yescarta: ≤ -150 °C
    assert product.status == "quarantined"
    deviation = Deviation.objects.get(product=product)
    assert deviation.kind == "temperature_excursion" and deviation.scanned == "-140 °C"
    product.episode.refresh_from_db()
    assert product.episode.state == State.MANUFACTURING  # a quarantined product does not move the pathway
    assert journaled("products.product_received") == 1 and journaled("products.deviation_recorded") == 1


def test_at_the_limit_is_no_excursion(product, users):
    assert receive(product, users, shipper_temperature_c=Decimal("-150")).status == "accepted"


def test_a_product_is_received_once(product, users):
    receive(product, users)
    assert "only a released or shipped product" in refused(lambda: receive(product, users), "product")


@pytest.mark.django_db(transaction=True)
def test_the_hard_stop_deviation_is_committed_although_the_receipt_is_refused(product, users):
    """Outside any test transaction: the deviation is really committed, the receipt really is not."""
    from django.db import connection

    assert not connection.in_atomic_block
    refused(lambda: receive(product, users, scanned=["KITE-124"]), "scanned")
    assert Deviation.objects.filter(product=product, kind="identity_mismatch").count() == 1
    product.refresh_from_db()
    assert product.status == "shipped"


def test_the_receipt_registers_the_bags_counted_with_their_expiry(product, users):
    expiry = timezone.now() + dt.timedelta(days=200)
    receive(product, users, bag_count=3, bag_expiry=expiry)
    assert [(bag.number, bag.expiry, bag.status) for bag in product.bags.all()] == [
        (1, expiry, "available"), (2, expiry, "available"), (3, expiry, "available")]


@pytest.mark.parametrize("count", [0, -1, 21])
def test_a_bag_count_out_of_range_is_refused(product, users, count):
    assert "between 1 and 20" in refused(lambda: receive(product, users, bag_count=count), "bag_count")
    assert product.bags.count() == 0
    product.refresh_from_db()
    assert product.status == "shipped"


def test_an_expired_product_is_refused_at_the_receipt(product, users):
    expired = timezone.now() - dt.timedelta(minutes=1)
    assert "expired" in refused(lambda: receive(product, users, bag_expiry=expired), "bag_expiry")
    product.refresh_from_db()
    assert product.status == "shipped" and product.bags.count() == 0


def test_the_certificate_of_analysis_comes_with_the_release(episode, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    collection = collected(episode, users, DIN_A)
    product = register_product(actor=users["coordinator"], episode=collection.episode, manufacturer="Kite",
                               identifiers=[("din", scanned_din(DIN_A))])
    not_pdf = SimpleUploadedFile("coa.pdf", b"hello", content_type="application/pdf")
    assert "PDF" in refused(lambda: update_manufacturing(
        actor=users["coordinator"], product=product, status="released", certificate=not_pdf), "certificate")
    product.refresh_from_db()
    assert product.status == "in_manufacturing" and not product.certificate
    pdf = SimpleUploadedFile("coa.pdf", b"%PDF-1.4 certificate", content_type="application/pdf")
    update_manufacturing(actor=users["coordinator"], product=product, status="released", certificate=pdf)
    product.refresh_from_db()
    assert product.status == "released" and product.certificate.read() == b"%PDF-1.4 certificate"


def test_a_quarantined_product_is_released_by_a_signed_decision_with_its_reason(product, users):
    quarantined = receive(product, users, shipper_temperature_c=Decimal("-120"))
    assert quarantined.status == "quarantined"
    assert "Say what was checked" in refused(lambda: release_from_quarantine(
        actor=users["pharmacist"], actor_password=PASSWORD, product=product, reason=" "), "reason")
    refused(lambda: release_from_quarantine(
        actor=users["pharmacist"], actor_password="wrong", product=product, reason="Logger checked"),
        "actor_password")
    product.refresh_from_db()
    assert product.status == "quarantined"
    released_product = release_from_quarantine(
        actor=users["pharmacist"], actor_password=PASSWORD, product=product,
        reason="Logger fault: the manufacturer's probe read -185 °C throughout")
    assert released_product.status == "accepted"
    released_product.episode.refresh_from_db()
    assert released_product.episode.state == State.PRODUCT_RECEIVED
    entry = JournalEntry.objects.get(action="products.quarantine_released")
    assert entry.after["reason"].startswith("Logger fault") and entry.actor == users["pharmacist"]
    assert "only a quarantined product" in refused(lambda: release_from_quarantine(
        actor=users["pharmacist"], actor_password=PASSWORD, product=product, reason="again"), "product")
