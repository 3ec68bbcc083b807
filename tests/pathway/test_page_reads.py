"""Every form page of an episode shows who the patient is, so opening it is a journaled read of the record.

Checked with real transactions (as on the hospital's server, where no transaction wraps a request): pytest-django's
usual wrapping transaction would hide a read journaled outside one.
"""

import pytest

from cellrelay.journal.models import JournalEntry
from cellrelay.pathway.states import State
from tests.pathway.test_episode import plan_from_past_apheresis, walk_to

pytestmark = pytest.mark.django_db(transaction=True)


def reads(username: str, patient) -> int:
    return JournalEntry.objects.filter(action=JournalEntry.Action.PATIENT_READ, actor__username=username,
                                       patient_id=patient.pk).count()


@pytest.fixture
def collected(transactional_db, episode, users):
    """An episode whose next step (the product's receipt) is recorded on the pathway's own form."""
    return walk_to(plan_from_past_apheresis(episode, users), users, State.COLLECTED)


def test_each_form_page_of_an_episode_journals_the_read(collected, client_as):
    patient = collected.patient
    planned = collected.milestones.filter(status="planned").order_by("sequence").first()
    pages = [f"/episodes/{collected.pk}/plan/", f"/episodes/{collected.pk}/next/", f"/episodes/{collected.pk}/stop/",
             f"/milestones/{planned.pk}/record/", f"/milestones/{planned.pk}/move/"]
    client = client_as("coordinator")
    for number, page in enumerate(pages, start=1):
        response = client.get(page)
        assert response.status_code == 200 and str(patient) in response.content.decode(), page
        assert reads("coordinator", patient) == number, page

