"""Every monitoring form page shows who the patient is, so opening it is a journaled read of the record.

Checked with real transactions (as on the hospital's server, where no transaction wraps a request): pytest-django's
usual wrapping transaction would hide a read journaled outside one.
"""

import pytest

from cellrelay.journal.models import JournalEntry
from cellrelay.monitoring import services
from cellrelay.monitoring.models import Alert
from tests.monitoring.test_services import ago, infused, neuro, vitals

pytestmark = pytest.mark.django_db(transaction=True)

EPISODE_FORMS = [("wardnurse", "vitals/new/"), ("neurologist", "neuro/new/"), ("wardnurse", "labs/new/"),
                 ("haematologist", "treatments/new/"), ("icu", "icu/new/"), ("research", "adverse-events/new/"),
                 ("neurologist", "checklist/"), ("haematologist", "checklist/waive/"), ("pharmacist", "reserve/")]


def reads(username: str, patient) -> int:
    return JournalEntry.objects.filter(action=JournalEntry.Action.PATIENT_READ, actor__username=username,
                                       patient_id=patient.pk).count()


@pytest.fixture
def under_way(transactional_db, episode, users):
    return infused(episode, users)


@pytest.mark.parametrize("username, page", EPISODE_FORMS)
def test_a_form_page_of_the_episode_journals_the_read(under_way, client_as, username, page):
    patient = under_way.patient
    response = client_as(username).get(f"/episodes/{under_way.pk}/{page}")
    assert response.status_code == 200 and str(patient) in response.content.decode()
    assert reads(username, patient) == 1


def test_the_pages_of_a_record_journal_the_read(under_way, users, client_as):
    patient = under_way.patient
    grade_3 = vitals(under_way, users, hypotension="one_vasopressor")
    assessment = neuro(under_way, users, ice=8)
    stay = services.transfer_to_icu(actor=users["icu"], episode=under_way, admitted_at=ago(minutes=30), reason="CRS")
    alert = Alert.objects.get(episode=under_way)
    pages = [f"/vitals/{grade_3.pk}/confirm/", f"/neuro/{assessment.pk}/confirm/", f"/icu/{stay.pk}/return/",
             f"/alerts/{alert.pk}/acknowledge/icu/"]
    client = client_as("icu")
    for number, page in enumerate(pages, start=1):
        response = client.get(page)
        assert response.status_code == 200 and str(patient) in response.content.decode(), page
        assert reads("icu", patient) == number, page

