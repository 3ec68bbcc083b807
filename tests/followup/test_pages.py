"""The follow-up pages as their users reach them: the live previews of the rules, the visits offered for recording,
bad input answered in the user's language with nothing saved."""

import datetime as dt

import pytest
from django.urls import reverse

from cellrelay.followup.models import BloodCount, Death, Response
from cellrelay.journal.models import JournalEntry
from tests.pathway.test_anchoring import infused_days_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def infused(episode, users):
    return infused_days_ago(episode, users)


def test_the_response_form_shows_the_lugano_category_live_and_journals_no_read(client_as, infused):
    client = client_as("haematologist")
    url = reverse("followup:finding", args=[infused.pk, "response"])
    reads = JournalEntry.objects.filter(action=JournalEntry.Action.PATIENT_READ).count()
    preview = client.post(f"{url}?preview=1", {"deauville_score": "4", "uptake_change": "reduced"}).content.decode()
    assert "PMR" in preview and "partial metabolic response" in preview
    contradictory = client.post(f"{url}?preview=1", {"deauville_score": "2", "uptake_change": "increased"})
    assert "uptake" in contradictory.content.decode().lower() and not Response.objects.exists()
    assert JournalEntry.objects.filter(action=JournalEntry.Action.PATIENT_READ).count() == reads


def test_the_blood_count_form_shows_the_icaht_grade_live(client_as, infused):
    d0 = infused.follow_up_plan.d0
    url = reverse("followup:finding", args=[infused.pk, "blood-count"])
    preview = client_as("haematologist").post(f"{url}?preview=1", {
        "sampled_on": (d0 + dt.timedelta(days=1)).isoformat(), "anc_per_ul": "80"}).content.decode()
    assert "ICAHT" in preview and "grade" in preview and "table to verify" in preview
    assert not BloodCount.objects.exists()


def test_a_far_visit_is_not_offered_for_recording(client_as, infused):
    page = client_as("coordinator").get(reverse("followup:episode", args=[infused.pk])).content.decode()
    plan = infused.follow_up_plan
    assert reverse("followup:visit_record", args=[plan.visits.get(code="D7").pk]) in page
    assert reverse("followup:visit_record", args=[plan.visits.get(code="Y15").pk]) not in page


def test_a_death_without_its_cause_is_refused_in_french(client_as, infused):
    response = client_as("haematologist", "fr").post(reverse("followup:finding", args=[infused.pk, "death"]), {
        "died_on": infused.follow_up_plan.d0.isoformat(), "cause": "non_relapse", "toxicity": ""})
    assert response.status_code == 200
    assert "décès" in response.content.decode().lower()
    assert not Death.objects.exists()
