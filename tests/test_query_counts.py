"""Every page's number of queries holds as the registry grows: measured with n synthetic patients, then with 5n.

On top of the demo hospital (every page non-empty). A page whose count grows with the data runs a query per row somewhere (issue 14): it is slow at national scale
whatever its time at 1,000 episodes. The pages are measured once each at both sizes (one seeding for the module);
each page is its own test. The page about one patient or episode reads the same one at both sizes.
"""

import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from cellrelay.organisation.models import User
from cellrelay.organisation.services import create_token
from cellrelay.pathway.models import Episode
from tests.conftest import QUICK_HASHERS, build_hospital

pytestmark = pytest.mark.django_db

N = 10

# page: (persona, url of the page given the episode it is about)
PAGES = {
    "coordinator worklist": ("coordinator", lambda e: "/worklist/"),
    "pharmacist worklist": ("pharmacist", lambda e: "/worklist/?team=pharmacy"),
    "patient": ("coordinator", lambda e: f"/patients/{e.patient_id}/"),
    "episode": ("coordinator", lambda e: f"/episodes/{e.pk}/"),
    "flow sheet": ("coordinator", lambda e: f"/episodes/{e.pk}/monitoring/"),
    "product page": ("coordinator", lambda e: f"/episodes/{e.pk}/products/"),
    "storage map": ("pharmacist", lambda e: "/pharmacy/storage/"),
    "RCP meetings": ("coordinator", lambda e: "/rcp/"),
    "RCP meetings held, page 2": ("coordinator", lambda e: "/rcp/?page=2"),
    "journal": ("admin", lambda e: "/journal/"),
    "journal by patient": ("admin", lambda e: "/journal/?patient=ma"),
    "search": ("coordinator", lambda e: "/patients/?q=ma"),
    "follow-up worklist": ("coordinator", lambda e: "/followup/"),
    "registry page": ("research", lambda e: "/registry/"),
    "registry page, one registry, a month": ("research", lambda e: "/registry/?destination=ebmt&month=2026-01"),
    # The list endpoints, with the persona's bearer token.
    "patients API": ("coordinator", lambda e: "/api/v1/patients?q=ma"),
    "patients API, page 2": ("coordinator", lambda e: "/api/v1/patients?page=2&limit=5"),
    "manufacturer API": ("kite-system", lambda e: "/api/v1/manufacturer/products"),
    "registry completeness API": ("research", lambda e: "/api/v1/registry/completeness"),
    "registry completeness API, one form, overdue": (
        "research", lambda e: "/api/v1/registry/completeness?form=atih:atih_ordering&status=overdue"),
}
API = "/api/"


def seed(patients: int, seed: int) -> None:
    call_command("seed_synthetic", patients=patients, seed=seed, no_progress=True, stdout=io.StringIO())


def client_of(persona: str, url: str) -> Client:
    user = User.objects.get(username=persona)
    if url.startswith(API):
        _token, raw = create_token(actor=None, user=user, name="query counts")
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client = Client()
    client.force_login(user)
    return client


def queries_of(persona: str, url: str) -> int:
    client = client_of(persona, url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def measure(episode) -> dict[str, int]:
    return {page: queries_of(persona, url(episode)) for page, (persona, url) in PAGES.items()}


@pytest.fixture(scope="module")
def counts(django_db_setup, django_db_blocker):
    """Each page's queries with N patients and with 5N, seeded in a transaction rolled back at the module's end."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=QUICK_HASHERS, CELLRELAY_SECOND_FACTOR=False), \
            transaction.atomic():
        build_hospital()
        # The demo hospital first: patients at every step today (worklists, bags to place, calls due), so each page
        # shows rows at both sizes and only the data's size differs.
        call_command("seed_demo", stdout=io.StringIO())
        seed(N, seed=1)
        episode = (Episode.objects.filter(products__isnull=False).order_by("pk").first()
                   or Episode.objects.order_by("pk").first())
        small = measure(episode)
        seed(4 * N, seed=2)
        large = measure(episode)
        yield {page: (small[page], large[page]) for page in PAGES}
        transaction.set_rollback(True)


@pytest.mark.parametrize("page", PAGES)
def test_the_page_asks_as_many_queries_for_5n_patients_as_for_n(counts, page):
    small, large = counts[page]
    assert large == small, f"{page}: {small} queries with {N} patients, {large} with {5 * N}"
