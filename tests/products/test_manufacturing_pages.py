"""The manufacturing pages: registering the product with the identifiers on its labels, what the manufacturer
reports (with the certificate of analysis), and the certificate served only through a journaled view."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cellrelay.journal.models import JournalEntry
from cellrelay.pathway.states import State
from cellrelay.products.services.manufacturing import AFTER_FAILURE, register_product, update_manufacturing
from cellrelay.products.forms import MANUFACTURERS
from cellrelay.products.models import Identifier, Product
from tests.conftest import open_episode, register
from tests.products.test_custody import COI_A, DIN_A, collected, other_product, scanned_din  # noqa: F401

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 certificate of analysis"


def new_product_url(episode) -> str:
    return reverse("products:product_new", args=[episode.pk])


def manufacturing_url(product) -> str:
    return reverse("products:manufacturing_update", args=[product.pk])


def certificate_url(product) -> str:
    return reverse("products:certificate", args=[product.pk])


def pdf(content=PDF, name="coa.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def at_manufacturer(episode, users):
    """The cells are collected (DIN_A); the product is not registered yet."""
    return collected(episode, users).episode


@pytest.fixture
def product(at_manufacturer, users):
    return register_product(actor=users["coordinator"], episode=at_manufacturer, manufacturer="Kite",
                            identifiers=[("din", scanned_din(DIN_A))])


def errors_beside(html: str, field: str) -> str:
    """The text of the error paragraph shown beside a field (see _form.html)."""
    marker = f'id="id_{field}-error"'
    assert marker in html, f"no error beside {field}"
    return html.split(marker, 1)[1].split("</p>", 1)[0]


# Registering the product ----------------------------------------------------------------------------------

def test_the_registration_form_is_prefilled_from_the_episode_and_its_collection(at_manufacturer, client_as):
    response = client_as("coordinator").get(new_product_url(at_manufacturer))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["manufacturer"] == "Kite"
    assert form.initial["din"] == f"={DIN_A}00"  # the scanner form, flags "00"


def test_each_commercial_product_has_its_manufacturer_and_investigational_none(org, users, client_as):
    assert MANUFACTURERS["kymriah"] == "Novartis" and MANUFACTURERS["carvykti"] == "Janssen"
    assert MANUFACTURERS["breyanzi"] == MANUFACTURERS["abecma"] == "Bristol Myers Squibb"
    trial = open_episode(org, register(org, family="Trial", serial=9), product="investigational", indication="trial")
    response = client_as("coordinator").get(new_product_url(trial))
    assert response.status_code == 200 and response.context["form"].initial["manufacturer"] == ""


def test_registering_with_the_three_identifiers(at_manufacturer, client_as):
    response = client_as("coordinator").post(new_product_url(at_manufacturer), {
        "manufacturer": "Kite", "din": f"={DIN_A}00", "coi_isbt": COI_A, "manufacturer_number": " KITE-123 "})
    assert response.status_code == 302
    assert response["Location"] == reverse("products:chain", args=[at_manufacturer.pk])
    product = Product.objects.get(episode=at_manufacturer)
    assert product.manufacturer == "Kite" and product.status == "in_manufacturing"
    assert set(product.identifiers.values_list("scheme", "value")) == {
        ("din", DIN_A), ("coi_isbt", COI_A[2:]), ("manufacturer", "KITE-123")}
    at_manufacturer.refresh_from_db()
    assert at_manufacturer.state == State.MANUFACTURING
    entry = JournalEntry.objects.filter(action=JournalEntry.Action.PRODUCT_REGISTERED).get()
    assert entry.actor.username == "coordinator" and entry.patient_id == at_manufacturer.patient_id


def test_the_optional_identifiers_may_be_left_empty(at_manufacturer, client_as):
    response = client_as("pharmacist").post(new_product_url(at_manufacturer), {
        "manufacturer": "Kite", "din": f"={DIN_A}00", "coi_isbt": "", "manufacturer_number": ""})
    assert response.status_code == 302
    assert list(Identifier.objects.values_list("scheme", flat=True)) == ["din"]


def test_an_identifier_of_another_product_is_refused_beside_its_field(at_manufacturer, other_product, client_as):
    response = client_as("coordinator").post(new_product_url(at_manufacturer), {
        "manufacturer": "Kite", "din": f"={DIN_A}00", "coi_isbt": "", "manufacturer_number": "KITE-999"})
    assert response.status_code == 200
    assert "already identifies another product" in errors_beside(response.content.decode(), "manufacturer_number")
    assert not Product.objects.filter(episode=at_manufacturer).exists()


def test_a_scan_that_is_not_what_the_field_asks_is_refused_beside_it(at_manufacturer, client_as):
    response = client_as("coordinator").post(new_product_url(at_manufacturer), {
        "manufacturer": "", "din": COI_A, "coi_isbt": f"={DIN_A}00", "manufacturer_number": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "not a donation identification number" in errors_beside(html, "din")
    assert "not an ISBT 128 chain of identity" in errors_beside(html, "coi_isbt")
    assert 'id="id_manufacturer-error"' in html
    assert not Product.objects.exists()


def test_an_episode_that_cannot_take_a_product_says_why(org, product, client_as):
    client = client_as("coordinator")
    approved = open_episode(org, register(org, family="Roux", given="Paul", serial=5))
    before = client.get(new_product_url(approved))
    assert before.status_code == 200 and "Record the collection first" in before.content.decode()
    assert before.context["blocked"] and b"<form method=\"post\" class=\"form\"" not in before.content
    live = client.get(new_product_url(product.episode))
    assert live.status_code == 200 and "already has a product" in live.content.decode()


# What the manufacturer reports ---------------------------------------------------------------------------

def test_only_the_moves_allowed_from_the_current_status_are_offered(product, users, client_as):
    client = client_as("coordinator")
    assert [c[0] for c in client.get(manufacturing_url(product)).context["form"].fields["status"].choices] == [
        "released", "failed"]
    update_manufacturing(actor=users["coordinator"], product=product, status="released")
    assert [c[0] for c in client.get(manufacturing_url(product)).context["form"].fields["status"].choices] == [
        "shipped", "failed"]


def test_a_release_with_its_certificate_then_the_certificate_is_opened_and_journaled(product, client_as):
    response = client_as("pharmacist").post(manufacturing_url(product), {
        "status": "released", "reason": "", "certificate": pdf()})
    assert response.status_code == 302
    assert response["Location"] == reverse("products:chain", args=[product.episode_id])
    product.refresh_from_db()
    assert product.status == "released" and product.certificate

    reads = JournalEntry.objects.filter(action=JournalEntry.Action.DOCUMENT_READ)
    assert reads.count() == 0
    opened = client_as("wardnurse").get(certificate_url(product))
    assert opened.status_code == 200
    assert opened["Content-Type"] == "application/pdf" and opened["Content-Disposition"].startswith("inline")
    assert b"".join(opened.streaming_content) == PDF
    entry = reads.get()
    assert entry.actor.username == "wardnurse" and entry.patient_id == product.episode.patient_id
    assert entry.object_id == str(product.pk)
    page = client_as("coordinator").get(manufacturing_url(product)).content.decode()
    assert certificate_url(product) in page


def test_a_certificate_that_is_not_a_pdf_is_refused_beside_its_field(product, client_as):
    response = client_as("coordinator").post(manufacturing_url(product), {
        "status": "released", "certificate": pdf(b"GIF89a not a pdf", name="coa.pdf")})
    assert response.status_code == 200
    assert "must be a PDF" in errors_beside(response.content.decode(), "certificate")
    product.refresh_from_db()
    assert product.status == "in_manufacturing" and not product.certificate


def test_no_certificate_is_a_404_and_no_journal_entry(product, client_as):
    assert client_as("coordinator").get(certificate_url(product)).status_code == 404
    assert not JournalEntry.objects.filter(action=JournalEntry.Action.DOCUMENT_READ).exists()


def test_a_failure_needs_a_reason_then_shows_what_comes_next(product, client_as):
    client = client_as("coordinator")
    refused = client.post(manufacturing_url(product), {"status": "failed", "reason": "  "})
    assert refused.status_code == 200
    assert "Say why manufacturing failed" in errors_beside(refused.content.decode(), "reason")
    product.refresh_from_db()
    assert product.status == "in_manufacturing"

    done = client.post(manufacturing_url(product), {"status": "failed", "reason": "Insufficient expansion"})
    assert done.status_code == 302 and done["Location"] == manufacturing_url(product)
    page = client.get(manufacturing_url(product))
    html = page.content.decode()
    assert str(AFTER_FAILURE)[:40] in html
    # The apheresis unit records the new collection: no link the coordinator would be refused.
    assert reverse("products:collection_new", args=[product.episode_id]) not in html
    assert "Insufficient expansion" in html and page.context["moves"] == set()
    # The episode may take a new product again (made from a new collection): the form is offered.
    assert client.get(new_product_url(product.episode)).context["blocked"] is None


def test_a_post_without_any_move_left_changes_nothing(product, users, client_as):
    for status in ("released", "shipped"):
        update_manufacturing(actor=users["coordinator"], product=product, status=status)
    response = client_as("coordinator").post(manufacturing_url(product), {"status": "failed", "reason": "x"})
    assert response.status_code == 200 and "nothing more to report" in response.content.decode()
    product.refresh_from_db()
    assert product.status == "shipped"


# Access and language ------------------------------------------------------------------------------------

def test_a_ward_nurse_may_not_register_or_update_but_may_read_the_certificate(product, users, client_as):
    client = client_as("wardnurse")
    assert client.get(new_product_url(product.episode)).status_code == 403
    assert client.get(manufacturing_url(product)).status_code == 403
    assert client.post(manufacturing_url(product), {"status": "released"}).status_code == 403
    product.refresh_from_db()
    assert product.status == "in_manufacturing"


def test_another_center_sees_nothing(product, users, client_as):
    update_manufacturing(actor=users["coordinator"], product=product, status="released",
                         certificate=pdf())
    client = client_as("outsider")
    for url in (new_product_url(product.episode), manufacturing_url(product), certificate_url(product)):
        assert client.get(url).status_code == 404, url


def test_the_pages_answer_in_french(product, at_manufacturer, client_as):
    client = client_as("coordinator", language="fr")
    for url in (manufacturing_url(product), new_product_url(at_manufacturer)):
        response = client.get(url)
        assert response.status_code == 200 and '<html lang="fr">' in response.content.decode(), url
