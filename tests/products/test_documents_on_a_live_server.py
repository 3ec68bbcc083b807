"""The product's documents, fetched from a live server with real transactions, as on the hospital's server.

pytest-django runs an ordinary test inside a transaction, which hides a journal write made outside one: here no
transaction wraps the request, so a document whose read is journaled outside a transaction answers 500.
"""

import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.test import Client

from cellrelay.journal.models import JournalEntry
from cellrelay.organisation.models import User
from tests.products.test_custody import collected

pytestmark = pytest.mark.django_db(transaction=True)


def fetch(live_server, username: str, path: str) -> tuple[int, str]:
    """GET the page as the signed-in persona (the session cookie of a test client's login): status, content type."""
    client = Client()
    client.force_login(User.objects.get(username=username))
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    request = urllib.request.Request(live_server.url + path, headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status, response.headers["Content-Type"]
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"]


def reads(username: str, document: str) -> int:
    return JournalEntry.objects.filter(action="products.document_read", actor__username=username,
                                       after__document=document).count()


@pytest.mark.parametrize("username", ["pharmacist", "coordinator", "haematologist", "wardnurse"])
def test_the_inspection_pdf_opens_and_its_read_is_journaled(live_server, transactional_db, episode, username):
    status, content_type = fetch(live_server, username, f"/episodes/{episode.pk}/products/custody.pdf")
    assert (status, content_type) == (200, "application/pdf")
    assert reads(username, "custody_pdf") == 1


def test_the_collection_labels_open_and_their_read_is_journaled(live_server, transactional_db, episode, users):
    collection = collected(episode, users)
    status, content_type = fetch(live_server, "apheresis", f"/collections/{collection.pk}/labels.pdf")
    assert (status, content_type) == (200, "application/pdf")
    assert reads("apheresis", "collection_labels") == 1
