"""The alert card fetched from a live server with real transactions, as on the hospital's server: no transaction
wraps the request, so a read journaled outside one would answer 500 (tests/products/test_documents_on_a_live_server.py
found it once on the inspection PDF)."""

import pytest

from cellrelay.journal.models import JournalEntry
from tests.conftest import open_episode
from tests.monitoring.test_services import infused
from tests.products.test_documents_on_a_live_server import fetch

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_card_downloads_through_a_real_session_and_its_read_is_journaled(live_server, transactional_db, org,
                                                                             patient, users):
    episode = infused(open_episode(org, patient), users)
    status, content_type = fetch(live_server, "coordinator", f"/episodes/{episode.pk}/alert-card.pdf?lang=fr")
    assert (status, content_type) == (200, "application/pdf")
    assert JournalEntry.objects.filter(action=JournalEntry.Action.DOCUMENT_READ, actor__username="coordinator",
                                       after__document="alert_card").count() == 1
