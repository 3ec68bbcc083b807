"""/api/v1/manufacturer: a manufacturer's system sees its own products at its center, never a patient."""

import datetime as dt
import io
import json

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client

from cellrelay.formats import day
from cellrelay.journal.models import JournalEntry
from cellrelay.organisation.models import Membership, User
from cellrelay.organisation.permissions import Role
from cellrelay.products.services.manufacturing import attach_certificate, register_product, update_manufacturing
from cellrelay.products.manufacturer_api import products_for_manufacturer
from cellrelay.products.models import Product
from tests.conftest import open_episode, register
from tests.products.test_custody import COI_A, DIN_A, DIN_B, DIN_C, collected, scanned_din

pytestmark = pytest.mark.django_db

URL = "/api/v1/manufacturer/products"
PDF = b"%PDF-1.4 certificate of analysis"


@pytest.fixture
def kite_product(episode, users):
    """The demo patient's Yescarta, at Kite, with the three identifiers of its labels."""
    collection = collected(episode, users)
    return register_product(actor=users["coordinator"], episode=collection.episode, manufacturer="Kite",
                            identifiers=[("din", scanned_din(DIN_A)), ("coi_isbt", COI_A),
                                         ("manufacturer", "KITE-123")])


@pytest.fixture
def novartis_product(org, users):
    """Another patient of the same center, whose product is made by Novartis."""
    patient = register(org, family="Lefebvre", given="Anne", sex="F", birth=dt.date(1958, 1, 9), serial=7)
    collection = collected(open_episode(org, patient, product="kymriah"), users, din=DIN_C)
    return register_product(actor=users["coordinator"], episode=collection.episode,
                            manufacturer="Novartis", identifiers=[("din", scanned_din(DIN_C))])


@pytest.fixture
def kite_elsewhere(org, outsider):
    """Kite's system as known to another treating center: the demo center's products are not its own."""
    user = User.objects.create_user("kite-elsewhere")
    Membership.objects.create(user=user, center=outsider.memberships.get().center, role=Role.MANUFACTURER,
                              manufacturer="Kite")
    return user


def kite(api_as):
    return api_as("kite-system")


def post_json(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def post_pdf(client, product, content=PDF, content_type="application/pdf"):
    return client.post(f"{URL}/{product.pk}/certificate", data=content, content_type=content_type)


def release(product, users):
    return update_manufacturing(actor=users["coordinator"], product=product, status="released")


# Scope ------------------------------------------------------------------------------------------------------

def test_the_scope_is_the_manufacturer_and_the_center(kite_product, novartis_product, users, kite_elsewhere, org):
    assert list(products_for_manufacturer(users["kite-system"])) == [kite_product]
    assert not products_for_manufacturer(kite_elsewhere).exists()  # same company, another center
    assert not products_for_manufacturer(users["coordinator"]).exists()  # staff use the patient-scoped API
    nameless = User.objects.create_user("nameless-system")
    Membership.objects.create(user=nameless, center=org["treating"], role=Role.MANUFACTURER, manufacturer="")
    assert not products_for_manufacturer(nameless).exists()  # no company named: nothing, not everything


def test_the_manufacturer_name_is_compared_without_case(episode, users):
    collection = collected(episode, users)
    product = register_product(actor=users["coordinator"], episode=collection.episode,
                               manufacturer=" KITE ", identifiers=[("din", scanned_din(DIN_A))])
    assert list(products_for_manufacturer(users["kite-system"])) == [product]


# Reading ----------------------------------------------------------------------------------------------------

def test_the_list_shows_only_its_products_and_no_identity(kite_product, novartis_product, patient, api_as):
    response = kite(api_as).get(URL)
    assert response.status_code == 200, response.content
    assert [p["id"] for p in response.json()] == [kite_product.pk]
    item = response.json()[0]
    assert set(item) == {"id", "status", "failure_reason", "product", "indication", "identifiers", "registered_at",
                         "certificate_attached", "collection"}
    assert item["product"] == "yescarta" and item["indication"] == "lbcl" and item["status"] == "in_manufacturing"
    assert {(i["scheme"], i["value"]) for i in item["identifiers"]} == {
        ("din", DIN_A), ("coi_isbt", COI_A[2:]), ("manufacturer", "KITE-123")}
    assert item["collection"]["din"] == DIN_A and item["certificate_attached"] is False
    raw = response.content.decode()
    for secret in (patient.family_name, patient.given_names, patient.ins, "IPP00001", patient.birth_date.isoformat(),
                   patient.birth_date.strftime("%d/%m/%Y"), day(patient.birth_date), "patient"):
        assert secret not in raw, secret


def test_the_list_filters_by_status(kite_product, users, api_as):
    client = kite(api_as)
    assert client.get(f"{URL}?status=released").json() == []
    release(kite_product, users)
    assert [p["id"] for p in client.get(f"{URL}?status=released").json()] == [kite_product.pk]
    unknown = client.get(f"{URL}?status=lost")
    assert unknown.status_code == 422 and "status" in unknown.json()["errors"]


def test_one_product_and_no_identity(kite_product, patient, api_as):
    response = kite(api_as).get(f"{URL}/{kite_product.pk}")
    assert response.status_code == 200 and response.json()["id"] == kite_product.pk
    raw = response.content.decode()
    for secret in (patient.family_name, patient.ins, patient.birth_date.isoformat()):
        assert secret not in raw


def test_another_manufacturers_product_is_not_found(novartis_product, users, api_as):
    client = kite(api_as)
    assert client.get(f"{URL}/{novartis_product.pk}").status_code == 404
    assert post_json(client, f"{URL}/{novartis_product.pk}/status", {"status": "released"}).status_code == 404
    novartis_product.refresh_from_db()
    assert novartis_product.status == "in_manufacturing"


def test_another_centers_product_is_not_found(kite_product, kite_elsewhere):
    from cellrelay.organisation.services import create_token

    _token, raw = create_token(actor=None, user=kite_elsewhere, name="tests")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get(URL).json() == []
    assert client.get(f"{URL}/{kite_product.pk}").status_code == 404
    assert post_pdf(client, kite_product).status_code == 404


def test_staff_are_refused_the_manufacturers_api(kite_product, api_as):
    for persona in ("coordinator", "pharmacist"):
        assert api_as(persona).get(URL).status_code == 403
        assert api_as(persona).get(f"{URL}/{kite_product.pk}").status_code == 403


# Reporting --------------------------------------------------------------------------------------------------

def test_the_system_reports_the_release_and_the_journal_names_it(kite_product, api_as):
    response = post_json(kite(api_as), f"{URL}/{kite_product.pk}/status", {"status": "released"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "released"
    kite_product.refresh_from_db()
    assert kite_product.status == "released"
    entry = JournalEntry.objects.filter(action=JournalEntry.Action.MANUFACTURING_UPDATED).get()
    assert entry.actor_label == "kite-system" and entry.after["status"] == "released"


def test_a_move_the_product_cannot_make_is_a_422_naming_status(kite_product, api_as):
    client = kite(api_as)
    for body in ({"status": "shipped"}, {"status": "in_manufacturing"}):
        response = post_json(client, f"{URL}/{kite_product.pk}/status", body)
        assert response.status_code == 422 and "status" in response.json()["errors"], body
    assert post_json(client, f"{URL}/{kite_product.pk}/status", {"status": "lost"}).status_code == 422


def test_a_failure_needs_a_reason(kite_product, api_as):
    client = kite(api_as)
    refused = post_json(client, f"{URL}/{kite_product.pk}/status", {"status": "failed", "reason": ""})
    assert refused.status_code == 422 and "reason" in refused.json()["errors"]
    kite_product.refresh_from_db()
    assert kite_product.status == "in_manufacturing"
    done = post_json(client, f"{URL}/{kite_product.pk}/status", {"status": "failed", "reason": "Out of specification"})
    assert done.status_code == 200
    assert done.json()["status"] == "failed" and done.json()["failure_reason"] == "Out of specification"


# The certificate of analysis --------------------------------------------------------------------------------

def test_the_certificate_of_a_released_product_is_uploaded(kite_product, users, api_as):
    release(kite_product, users)
    response = post_pdf(kite(api_as), kite_product)
    assert response.status_code == 201, response.content
    assert response.json()["certificate_attached"] is True
    kite_product.refresh_from_db()
    assert kite_product.certificate.read() == PDF
    entry = JournalEntry.objects.filter(action=JournalEntry.Action.MANUFACTURING_UPDATED).latest("id")
    assert entry.actor_label == "kite-system" and entry.after["certificate"] == kite_product.certificate.name


def test_a_certificate_larger_than_a_form_upload_is_accepted(kite_product, users, api_as):
    release(kite_product, users)
    big = PDF + b"0" * 3_000_000  # above Django's 2.5 MB cap on request.body
    assert post_pdf(kite(api_as), kite_product, content=big).status_code == 201
    kite_product.refresh_from_db()
    assert kite_product.certificate.size == len(big)


def test_what_is_not_a_pdf_is_a_422_naming_certificate(kite_product, users, api_as):
    release(kite_product, users)
    client = kite(api_as)
    for content, content_type in ((b"GIF89a", "application/pdf"), (PDF, "application/json"), (PDF, "text/plain")):
        response = post_pdf(client, kite_product, content=content, content_type=content_type)
        assert response.status_code == 422 and "certificate" in response.json()["errors"], content_type
    kite_product.refresh_from_db()
    assert not kite_product.certificate


def test_no_certificate_before_the_release(kite_product, api_as):
    response = post_pdf(kite(api_as), kite_product)
    assert response.status_code == 422 and "released" in " ".join(response.json()["errors"]["certificate"])


def test_a_certificate_replaces_the_previous_one_and_the_journal_keeps_both(kite_product, users):
    update_manufacturing(actor=users["coordinator"], product=kite_product, status="released",
                         certificate=ContentFile(b"%PDF-1 first", name="c.pdf"))
    first = Product.objects.get(pk=kite_product.pk).certificate.name
    attach_certificate(actor=users["kite-system"], product=kite_product,
                       certificate=ContentFile(b"%PDF-1 second", name="c.pdf"))
    product = Product.objects.get(pk=kite_product.pk)
    assert product.certificate.read() == b"%PDF-1 second"
    entry = JournalEntry.objects.filter(action=JournalEntry.Action.MANUFACTURING_UPDATED).latest("id")
    assert entry.before == {"certificate": first} and entry.after == {"certificate": product.certificate.name}


# The machine account's token ----------------------------------------------------------------------------------

def test_issue_token_gives_the_machine_account_its_token(kite_product):
    out = io.StringIO()
    call_command("issue_token", "kite-system", "--name", "Kite COI platform", stdout=out)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {out.getvalue().strip()}")
    assert [p["id"] for p in client.get(URL).json()] == [kite_product.pk]


def test_the_machine_account_has_no_password_and_no_page(kite_product, client_as):
    assert not User.objects.get(username="kite-system").has_usable_password()
    assert client_as("kite-system").get(f"/products/{kite_product.pk}/manufacturing/").status_code == 403


def test_the_list_comes_a_page_at_a_time_after_the_last_product_received(kite_product, org, users, api_as):
    others = []
    for serial, din in [(41, DIN_B), (42, DIN_C)]:
        patient = register(org, family=f"Page{serial}", serial=serial)
        collection = collected(open_episode(org, patient), users, din=din)
        others.append(register_product(actor=users["coordinator"], episode=collection.episode, manufacturer="Kite",
                                       identifiers=[("din", scanned_din(din))]))
    client = kite(api_as)
    first = client.get(URL, {"limit": 2}).json()
    assert [p["id"] for p in first] == [kite_product.pk, others[0].pk]
    rest = client.get(URL, {"limit": 2, "after": first[-1]["id"]}).json()
    assert [p["id"] for p in rest] == [others[1].pk]
    assert client.get(URL, {"after": others[1].pk}).json() == []


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 501}, {"after": "x"}])
def test_a_page_out_of_bounds_is_refused(kite_product, api_as, query):
    assert kite(api_as).get(URL, query).status_code == 422


def test_a_cursor_that_is_not_one_of_its_products_is_refused_by_name(kite_product, novartis_product, api_as):
    response = kite(api_as).get(URL, {"after": novartis_product.pk}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 422 and "after" in response.content.decode()
    assert "Aucun produit" in response.content.decode()
