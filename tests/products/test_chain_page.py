"""The product page: the whole chain from vein to vein on one screen, its PDF, the quarantine decision. The
pharmacy's part of the circuit on the worklist and the product page: tests/pharmacy/test_worklist.py."""

import pytest

from cellrelay.journal.models import JournalEntry
from cellrelay.pathway.states import State
from cellrelay.products.models import Product
from tests.conftest import PASSWORD
from tests.pharmacy.helpers import received_bags
from tests.products.test_custody import COI_A, DIN_A, collected, receive, released, scanned_din

pytestmark = pytest.mark.django_db


def chain_html(client, episode) -> str:
    response = client.get(f"/episodes/{episode.pk}/products/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_every_handover_with_its_signatures(client_as, episode, users):
    bags = received_bags(episode, users, count=2)
    html = chain_html(client_as("haematologist"), episode)
    assert "GARNIER" in html and DIN_A in html and "KITE-123" in html
    assert "Cells collected" in html and "Received" in html
    assert "Sophie Dubois" in html and "(received)" in html and "Julien Girard" in html and "(verified)" in html
    assert html.count(f'href="/bags/{bags[0].pk}/"') == 1 and f'href="/bags/{bags[1].pk}/"' in html
    assert JournalEntry.objects.filter(action="patient.read", patient_id=episode.patient_id,
                                       actor=users["haematologist"]).exists()


def test_next_steps_follow_the_chain_and_the_role(client_as, episode, users):
    from tests.pathway.test_episode import plan_from_past_apheresis

    plan_from_past_apheresis(episode, users)
    assert "Record the collection" in chain_html(client_as("apheresis"), episode)
    assert "Record the collection" not in chain_html(client_as("pharmacist"), episode)
    collected(episode, users, DIN_A)
    html = chain_html(client_as("apheresis"), episode)
    assert "Ship the collected cells (DIN %s)" % DIN_A in html and "Record the collection" not in html
    assert "Register the product at the manufacturer" in chain_html(client_as("coordinator"), episode)


def test_a_quarantined_product_shows_its_deviation_and_is_released_on_a_signed_decision(client_as, episode, users):
    product = released(episode, users, [("din", scanned_din(DIN_A)), ("coi_isbt", COI_A)])
    receive(product, users, scanned=[scanned_din(DIN_A)], seal_intact=False)
    pharmacist = client_as("pharmacist")
    html = chain_html(pharmacist, episode)
    assert "Seal not intact" in html and "Decide on the quarantine" in html
    url = f"/products/{product.pk}/quarantine/"
    refused = pharmacist.post(url, {"reason": "Checked", "actor_password": "wrong"})
    assert "The password is wrong" in refused.content.decode()
    product.refresh_from_db()
    assert product.status == "quarantined"
    done = pharmacist.post(url, {"reason": "Seal cut by customs; log and labels checked", "actor_password": PASSWORD})
    assert done.status_code == 302
    product.refresh_from_db()
    product.episode.refresh_from_db()
    assert product.status == "accepted" and product.episode.state == State.PRODUCT_RECEIVED
    again = pharmacist.get(url).content.decode()
    assert "only a quarantined product is released" in again


def test_a_ward_nurse_may_not_decide_on_a_quarantine(client_as, episode, users):
    product = released(episode, users, [("din", scanned_din(DIN_A))])
    assert client_as("wardnurse").get(f"/products/{product.pk}/quarantine/").status_code == 403


def test_the_custody_pdf_carries_the_chain_and_is_journaled(client_as, episode, users):
    received_bags(episode, users, count=1)
    response = client_as("coordinator").get(f"/episodes/{episode.pk}/products/custody.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert JournalEntry.objects.filter(action="products.document_read", patient_id=episode.patient_id).count() == 1


def test_the_custody_pdf_is_refused_outside_the_center(client_as, episode, users):
    assert client_as("outsider").get(f"/episodes/{episode.pk}/products/custody.pdf").status_code == 404


def test_the_page_in_french(client_as, episode, users):
    received_bags(episode, users, count=1)
    html = client_as("pharmacist", "fr").get(f"/episodes/{episode.pk}/products/").content.decode()
    assert "Chaîne d’identité et de traçabilité" in html and "Réceptionné" in html


def test_what_the_receipt_found_on_the_seal_and_the_documents_is_said_in_french(client_as, episode, users):
    from django.utils import translation

    from cellrelay.products import chain, custody_pdf

    receive(released(episode, users, [("din", scanned_din(DIN_A)), ("manufacturer", "KITE-123")]), users,
            seal_intact=False, documents_ok=False)
    for url in (f"/episodes/{episode.pk}/products/", f"/bags/{episode.products.get().bags.get().pk}/"):
        html = client_as("pharmacist", "fr").get(url).content.decode()
        assert "non intact" in html and "manquants ou erronés" in html
        assert "not intact" not in html and "missing or wrong" not in html
    with translation.override("fr"):
        printed = [cell for row in custody_pdf.deviation_rows(chain.chain_of(episode)) for cell in row]
    assert "non intact" in printed and "manquants ou erronés" in printed and "not intact" not in printed


def test_the_episode_page_sends_the_product_steps_to_the_product_page(client_as, episode, users):
    product = released(episode, users, [("din", scanned_din(DIN_A))])
    html = client_as("pharmacist").get(f"/episodes/{episode.pk}/").content.decode()
    assert f"/episodes/{episode.pk}/products/" in html and "Record: Product received" not in html
    assert Product.objects.get(pk=product.pk).status == "shipped"



@pytest.mark.parametrize("path", ["/episodes/{episode}/collection/new/", "/episodes/{episode}/products/new/",
                                  "/products/{product}/manufacturing/", "/products/{product}/quarantine/"])
def test_every_product_form_page_journals_the_read_of_the_patient(client_as, episode, users, path):
    product = released(episode, users, [("din", scanned_din(DIN_A))])
    who = {"collection": "apheresis", "products": "coordinator", "manufacturing": "coordinator",
           "quarantine": "pharmacist"}[path.strip("/").split("/")[2]]
    before = JournalEntry.objects.filter(action="patient.read", patient_id=episode.patient_id).count()
    response = client_as(who).get(path.format(episode=episode.pk, product=product.pk))
    assert response.status_code == 200
    assert JournalEntry.objects.filter(action="patient.read", patient_id=episode.patient_id).count() == before + 1


def test_the_chain_reads_its_custody_events_from_the_indexes(episode, users):
    """The events of this episode's collections and products, found by their own columns' indexes: no scan of the
    site's whole custody history (PostgreSQL asked not to prefer one, as a test table is small)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cellrelay.products import chain

    received_bags(episode, users, count=2)
    with CaptureQueriesContext(connection) as queries:
        events = chain.chain_of(episode).events
    assert {"collected", "received"} <= {event.action for event in events}
    sql = next(q["sql"] for q in queries if q["sql"].startswith('SELECT "products_custodyevent"'))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = "\n".join(str(row) for row in cursor.fetchall())
    assert "SCAN products_custodyevent" not in plan and "Seq Scan on products_custodyevent" not in plan, plan
    assert "custodyevent" in plan, plan
