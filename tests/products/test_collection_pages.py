"""The collection and shipment pages: what the apheresis nurse and the pharmacist see and record."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cellrelay.formats import day
from cellrelay.journal.models import JournalEntry
from cellrelay.pathway.states import State
from cellrelay.products import isbt128
from cellrelay.products.services.collection import record_collection
from cellrelay.products.services.manufacturing import register_product, update_manufacturing
from cellrelay.products.models import Collection, CustodyEvent, Deviation, Product, Shipment, ShipmentTemperature
from tests.conftest import open_episode, register
from tests.pathway.test_episode import plan_from_past_apheresis, walk_to
from tests.products.test_custody import DIN_A, collected, scanned_din

pytestmark = pytest.mark.django_db

YY = f"{timezone.localdate().year % 100:02d}"
FIRST_DIN = f"F9999{YY}000001"  # the demo hospital's facility (demo/hospital.py: F9999)


def local_input(moment: dt.datetime) -> str:
    """As a datetime-local field sends it."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def journaled(action, **filters) -> int:
    return JournalEntry.objects.filter(action=action, **filters).count()


@pytest.fixture
def scheduled(episode, users):
    """An episode waiting for its apheresis."""
    return walk_to(plan_from_past_apheresis(episode, users), users, State.APHERESIS_SCHEDULED)


@pytest.fixture
def collection(episode, users):
    return collected(episode, users)


def in_manufacturing(collection, users) -> Product:
    return register_product(actor=users["coordinator"], episode=collection.episode, manufacturer="Kite",
                            identifiers=[("din", scanned_din(collection.din))])


def released(collection, users) -> Product:
    return update_manufacturing(actor=users["coordinator"], product=in_manufacturing(collection, users),
                                status="released")


def collection_form(**overrides):
    data = {"collected_at": local_input(timezone.now() - dt.timedelta(hours=1)), "volume_ml": "250",
            "cd3_count": "4.2", "din": f"={FIRST_DIN}00"}
    data.update(overrides)
    return data


def shipment_form(**overrides):
    data = {"courier": "World Courier", "shipper_id": "DS-0042", "seal_numbers": "S1\nS2, S3",
            "departed_at": local_input(timezone.now() - dt.timedelta(hours=20)), "arrived_at": ""}
    data.update(overrides)
    return data


def csv_upload(*temperatures, start=None) -> SimpleUploadedFile:
    start = start or timezone.now().replace(microsecond=0) - dt.timedelta(hours=10)
    rows = [f"{(start + dt.timedelta(minutes=10 * i)).isoformat()},{t}" for i, t in enumerate(temperatures)]
    text = "timestamp,temperature_c\n" + "\n".join(rows) + "\n"
    return SimpleUploadedFile("shipper.csv", text.encode(), content_type="text/csv")


# The collection ----------------------------------------------------------------------------------------------

def test_the_page_suggests_the_first_din_of_the_year(scheduled, client_as):
    response = client_as("apheresis").get(reverse("products:collection_new", args=[scheduled.pk]))
    assert response.status_code == 200
    assert f'value="={FIRST_DIN}00"' in response.content.decode()
    assert "Suggested: the next free DIN of F9999" in response.content.decode()


def test_a_collection_recorded_through_the_page(scheduled, client_as, users):
    client = client_as("apheresis")
    response = client.post(reverse("products:collection_new", args=[scheduled.pk]), collection_form())
    assert response.status_code == 302
    assert response["Location"] == reverse("products:chain", args=[scheduled.pk])
    collection = Collection.objects.get()
    assert collection.din == FIRST_DIN and collection.operator == users["apheresis"]
    assert str(collection.cd3_count) == "4.20"
    event = CustodyEvent.objects.get(collection=collection)
    assert event.action == "collected" and event.actor == users["apheresis"]
    scheduled.refresh_from_db()
    assert scheduled.state == State.COLLECTED
    assert journaled("products.collection_recorded", patient_id=scheduled.patient_id) == 1
    # The next page shows the message with the link to the labels, and the next DIN for a second bag.
    page = client.get(reverse("products:collection_new", args=[scheduled.pk])).content.decode()
    assert f"Collection recorded: DIN {FIRST_DIN}." in page
    assert f'<a href="{reverse("products:collection_labels", args=[collection.pk])}">Print the labels' in page
    assert f'value="={FIRST_DIN[:-1]}200"' in page


def test_no_collection_while_the_product_is_in_manufacturing(collection, client_as, users):
    in_manufacturing(collection, users)
    url = reverse("products:collection_new", args=[collection.episode_id])
    page = client_as("apheresis").get(url)
    assert page.status_code == 200
    assert "this episode is Manufacturing" in page.content.decode()
    assert 'name="din"' not in page.content.decode()
    response = client_as("apheresis").post(url, collection_form())
    assert "this episode is Manufacturing" in response.content.decode()
    assert Collection.objects.count() == 1


@pytest.mark.parametrize("din", [
    f"={FIRST_DIN[:-1]}A00",  # a letter in the sequence
    f"=O{FIRST_DIN[1:]}00",  # the letter O cannot start a facility number
    f"={FIRST_DIN}61",  # a type 3 flag that is not 60 + the checksum
    f"={FIRST_DIN}",  # no flags
])
def test_a_malformed_din_shows_its_precise_reason_and_saves_nothing(scheduled, client_as, din):
    with pytest.raises(isbt128.InvalidCode) as caught:
        isbt128.parse(din)
    response = client_as("apheresis").post(reverse("products:collection_new", args=[scheduled.pk]),
                                           collection_form(din=din))
    assert response.status_code == 200
    page = response.content.decode()
    assert str(caught.value) in page
    assert 'id="id_din-error"' in page  # beside the DIN field
    assert not Collection.objects.exists() and not CustodyEvent.objects.exists()
    assert journaled("products.collection_recorded") == 0
    scheduled.refresh_from_db()
    assert scheduled.state == State.APHERESIS_SCHEDULED


def test_a_din_already_recorded_is_refused(scheduled, org, users, client_as):
    other = register(org, family="Roux", given="Yves", serial=9)
    collected(open_episode(org, other), users, din=FIRST_DIN)
    response = client_as("apheresis").post(reverse("products:collection_new", args=[scheduled.pk]),
                                           collection_form())
    assert f"The DIN {FIRST_DIN} is already recorded for a collection." in response.content.decode()
    assert Collection.objects.count() == 1


def test_the_suggested_din_is_the_next_sequence_of_this_facility_and_year(scheduled, org, users, client_as):
    other = register(org, family="Roux", given="Yves", serial=9)
    earlier = collected(open_episode(org, other), users, din=f"F9999{YY}000041")
    # DINs of another facility or of last year do not count.
    last_year = f"{(int(YY) - 1) % 100:02d}"
    register_product(actor=users["coordinator"], episode=earlier.episode, manufacturer="Kite",
                     identifiers=[("din", scanned_din(f"G1234{YY}000500")),
                                  ("din", scanned_din(f"F9999{last_year}000900"))])
    response = client_as("apheresis").get(reverse("products:collection_new", args=[scheduled.pk]))
    assert f'value="=F9999{YY}00004200"' in response.content.decode()


def test_a_product_din_of_this_facility_counts_too(scheduled, org, users, client_as):
    other = register(org, family="Roux", given="Yves", serial=9)
    earlier = collected(open_episode(org, other), users, din=f"F9999{YY}000041")
    register_product(actor=users["coordinator"], episode=earlier.episode, manufacturer="Kite",
                     identifiers=[("din", scanned_din(f"F9999{YY}000077"))])
    response = client_as("apheresis").get(reverse("products:collection_new", args=[scheduled.pk]))
    assert f'value="=F9999{YY}00007800"' in response.content.decode()


def test_a_center_without_a_facility_number_gets_no_suggestion(scheduled, org, client_as):
    org["treating"].facility_id = ""
    org["treating"].save()
    response = client_as("apheresis").get(reverse("products:collection_new", args=[scheduled.pk]))
    assert response.status_code == 200
    assert "Scan the DIN on the bag" in response.content.decode()
    assert 'value="=' not in response.content.decode()


def test_the_collection_page_answers_with_the_reason_when_the_episode_is_not_ready(episode, client_as):
    response = client_as("apheresis").get(reverse("products:collection_new", args=[episode.pk]))
    assert response.status_code == 200
    assert "this episode is Approved" in response.content.decode()


def test_who_may_record_a_collection(scheduled, client_as):
    url = reverse("products:collection_new", args=[scheduled.pk])
    assert client_as("wardnurse").get(url).status_code == 403
    assert client_as("outsider").get(url).status_code == 403  # a coordinator: no collection anywhere
    assert client_as("wardnurse").post(url, collection_form()).status_code == 403
    assert not Collection.objects.exists()


# The labels --------------------------------------------------------------------------------------------------

def test_the_labels_pdf(collection, client_as, users):
    response = client_as("apheresis").get(reverse("products:collection_labels", args=[collection.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    din = collection.din
    assert f"{din[:5]} {din[5:7]} {din[7:]}".encode() in response.content  # the eye-readable DIN
    assert f"({isbt128.mod37_2(din)})".encode() in response.content  # its keyboard check character
    entry = JournalEntry.objects.get(action=JournalEntry.Action.DOCUMENT_READ)
    assert entry.actor == users["apheresis"] and entry.patient_id == collection.episode.patient_id


def test_the_pharmacy_reads_the_labels_and_whoever_prints_none_is_refused(collection, client_as, users):
    url = reverse("products:collection_labels", args=[collection.pk])
    for username in ("wardnurse", "coordinator", "haematologist"):
        assert client_as(username).get(url).status_code == 403
    assert not JournalEntry.objects.filter(action=JournalEntry.Action.DOCUMENT_READ).exists()
    response = client_as("pharmacist").get(url)  # the pharmacy checks the labels at the receipt
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert JournalEntry.objects.get(action=JournalEntry.Action.DOCUMENT_READ).actor == users["pharmacist"]


# Shipments -------------------------------------------------------------------------------------------------

def test_the_collected_cells_shipped_out_through_the_page(collection, client_as, users):
    client = client_as("apheresis")
    url = reverse("products:shipment_out_new", args=[collection.pk])
    page = client.get(url)
    assert page.status_code == 200 and collection.din in page.content.decode()
    response = client.post(url, shipment_form())
    shipment = Shipment.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("products:shipment", args=[shipment.pk])
    assert shipment.direction == "out" and shipment.collection == collection
    assert shipment.seal_numbers == ["S1", "S2", "S3"]
    assert CustodyEvent.objects.filter(collection=collection, action="shipped", actor=users["apheresis"]).exists()
    assert journaled("products.shipment_recorded") == 1
    detail = client.get(reverse("products:shipment", args=[shipment.pk]))
    text = detail.content.decode()
    assert detail.status_code == 200
    assert "World Courier" in text and "DS-0042" in text and "S1, S2, S3" in text
    assert "No temperature log yet." in text
    assert reverse("products:shipment_log", args=[shipment.pk]) in text
    assert journaled("patient.read", patient_id=collection.episode.patient_id) >= 1


def test_a_wrong_shipment_shows_the_reason_beside_the_field(collection, client_as):
    response = client_as("apheresis").post(reverse("products:shipment_out_new", args=[collection.pk]),
                                           shipment_form(seal_numbers="S1, S1"))
    assert response.status_code == 200
    assert "The same seal number is given twice." in response.content.decode()
    assert not Shipment.objects.exists()


def test_the_product_shipped_back_through_the_page(collection, client_as, users):
    product = released(collection, users)
    response = client_as("pharmacist").post(reverse("products:shipment_back_new", args=[product.pk]),
                                            shipment_form(arrived_at=local_input(timezone.now())))
    shipment = Shipment.objects.get()
    assert response["Location"] == reverse("products:shipment", args=[shipment.pk])
    assert shipment.direction == "back" and shipment.product == product and shipment.arrived_at is not None
    product.refresh_from_db()
    assert product.status == "shipped"


def test_a_product_in_manufacturing_is_not_shipped_back(collection, client_as, users):
    product = in_manufacturing(collection, users)
    url = reverse("products:shipment_back_new", args=[product.pk])
    client = client_as("pharmacist")
    page = client.get(url)
    assert page.status_code == 200
    assert "only a released or shipped product is shipped to the center" in page.content.decode()
    response = client.post(url, shipment_form())
    assert response.status_code == 200
    assert "only a released or shipped product" in response.content.decode()
    assert not Shipment.objects.exists()


def test_who_may_record_a_shipment(collection, client_as):
    url = reverse("products:shipment_out_new", args=[collection.pk])
    assert client_as("wardnurse").get(url).status_code == 403
    assert client_as("outsider").get(url).status_code == 404
    assert client_as("wardnurse").post(url, shipment_form()).status_code == 403
    assert not Shipment.objects.exists()


# Temperature logs ----------------------------------------------------------------------------------------

@pytest.fixture
def shipped_back(collection, users):
    from cellrelay.products.services import shipping

    return shipping.record_shipment(actor=users["pharmacist"], product_or_collection=released(collection, users),
                                    direction="back", courier="World Courier", shipper_id="DS-0042",
                                    seal_numbers=["S1"], departed_at=timezone.now() - dt.timedelta(hours=12))


def test_a_log_with_an_excursion(shipped_back, client_as):
    """Yescarta is stored at or below -150 °C (protocol template): two readings above it are one excursion."""
    client = client_as("pharmacist")
    start = timezone.localtime().replace(hour=1, minute=0, second=0, microsecond=0) - dt.timedelta(days=1)
    response = client.post(reverse("products:shipment_log", args=[shipped_back.pk]),
                           {"csv_file": csv_upload("-185.0", "-140.2", "-139.5", "-183.1", start=start)}, follow=True)
    assert response.redirect_chain == [(reverse("products:shipment", args=[shipped_back.pk]), 302)]
    page = response.content.decode()
    assert "Temperature log attached: 4 readings, 1 excursion above -150 °C recorded as a deviation." in page
    assert ShipmentTemperature.objects.filter(shipment=shipped_back).count() == 4
    deviation = Deviation.objects.get(kind="temperature_excursion")
    assert deviation.scanned in page and "1 temperature excursion" in page
    assert f"{day(start)} 01:10 → 01:20" in page  # when, in local time
    assert '<svg' in page and 'role="img"' in page
    assert page.count('class="excursion"') == 1 and 'class="limit"' in page
    assert "Storage limit: ≤ -150 °C" in page
    # One log per shipment: the page says so.
    again = client.get(reverse("products:shipment_log", args=[shipped_back.pk]))
    assert again.status_code == 200
    assert "This shipment already has its temperature log." in again.content.decode()
    assert reverse("products:shipment_log", args=[shipped_back.pk]) not in client.get(
        reverse("products:shipment", args=[shipped_back.pk])).content.decode()


def test_a_log_without_excursion(shipped_back, client_as):
    response = client_as("pharmacist").post(reverse("products:shipment_log", args=[shipped_back.pk]),
                                            {"csv_file": csv_upload("-185.0", "-184")}, follow=True)
    assert "Temperature log attached: 2 readings, no excursion above -150 °C." in response.content.decode()
    assert not Deviation.objects.exists()
    assert 'class="excursion"' not in response.content.decode()


def test_a_broken_log_shows_its_line_and_reason(shipped_back, client_as):
    response = client_as("pharmacist").post(reverse("products:shipment_log", args=[shipped_back.pk]),
                                            {"csv_file": csv_upload("-185.0", "abc")})
    assert response.status_code == 200
    assert "Line 3: “abc” is not a temperature in °C" in response.content.decode()
    assert not ShipmentTemperature.objects.exists()
    assert journaled("products.temperature_log_attached") == 0


def test_the_collections_log_is_kept_without_assessment(collection, client_as, users):
    from cellrelay.products.services import shipping

    shipment = shipping.record_shipment(actor=users["apheresis"], product_or_collection=collection,
                                        direction="out", courier="World Courier", shipper_id="DS-1",
                                        seal_numbers=["S1"], departed_at=timezone.now() - dt.timedelta(hours=12))
    response = client_as("apheresis").post(reverse("products:shipment_log", args=[shipment.pk]),
                                           {"csv_file": csv_upload("-185.0", "-100")}, follow=True)
    page = response.content.decode()
    assert "Temperature log attached: 2 readings." in page and "excursions are not assessed" in page
    assert not Deviation.objects.exists()
    assert 'class="limit"' not in page and 'class="readings"' in page


def test_the_shipment_page_is_a_read_of_the_record_and_scoped(shipped_back, client_as):
    url = reverse("products:shipment", args=[shipped_back.pk])
    assert client_as("wardnurse").get(url).status_code == 200  # may see the patient, may not upload
    assert reverse("products:shipment_log", args=[shipped_back.pk]) not in client_as("wardnurse").get(
        url).content.decode()
    assert client_as("outsider").get(url).status_code == 404
    assert client_as("wardnurse").get(reverse("products:shipment_log", args=[shipped_back.pk])).status_code == 403


# In French -------------------------------------------------------------------------------------------------

def test_the_pages_in_french(scheduled, client_as, users):
    client = client_as("apheresis", "fr")
    page = client.get(reverse("products:collection_new", args=[scheduled.pk]))
    assert page.status_code == 200 and 'lang="fr"' in page.content.decode()
    collection = record_collection(actor=users["apheresis"], episode=scheduled,
                                   collected_at=timezone.now() - dt.timedelta(hours=2), volume_ml=200,
                                   din=scanned_din(DIN_A))
    assert client.get(reverse("products:shipment_out_new", args=[collection.pk])).status_code == 200
    labels = client.get(reverse("products:collection_labels", args=[collection.pk]))
    assert labels.status_code == 200 and labels.content.startswith(b"%PDF")
    client.post(reverse("products:shipment_out_new", args=[collection.pk]), shipment_form())
    shipment = Shipment.objects.get()
    assert client.get(reverse("products:shipment", args=[shipment.pk])).status_code == 200
    assert client.get(reverse("products:shipment_log", args=[shipment.pk])).status_code == 200
