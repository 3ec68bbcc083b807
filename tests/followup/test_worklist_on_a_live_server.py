"""The follow-up worklist's section page and the registry's "to correct" forms from a live server with real
transactions and middleware, as on the hospital's server: each answers and journals the read of the patient shown."""

import datetime as dt

import pytest
from django.db.models import Q
from django.utils import timezone

from cellrelay.followup.models import Visit
from cellrelay.journal.models import JournalEntry
from cellrelay.registry import services as registry_services
from tests.pathway.test_anchoring import infused_days_ago
from tests.products.test_documents_on_a_live_server import fetch
from tests.registry.helpers import consent

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = timezone.localdate()


def read_by(username: str, patient) -> int:
    """The reads journaled by this user that name the patient (one entry per page, its patients listed)."""
    actions = (JournalEntry.Action.PATIENT_READ, JournalEntry.Action.PATIENTS_LISTED)
    return (JournalEntry.objects.filter(action__in=actions, actor__username=username)
            .filter(Q(patient_id=patient.pk) | Q(patients_shown__patient_id=patient.pk)).distinct().count())


def test_a_follow_up_sections_own_page_answers_and_journals_its_read(live_server, transactional_db, episode, users):
    plan = infused_days_ago(episode, users).follow_up_plan
    Visit.objects.filter(plan=plan).update(due=TODAY - dt.timedelta(days=60), latest=TODAY - dt.timedelta(days=30))
    status, content_type = fetch(live_server, "coordinator", "/followup/?section=overdue&page=1")
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    assert read_by("coordinator", episode.patient) == 1


def test_the_registry_forms_to_correct_answer_and_journal_their_read(live_server, transactional_db, org, patient,
                                                                     episode, users):
    consent(org, patient, "registry")
    research = users["research"]
    registry_services.enter_value(actor=research, episode=episode, item="usually_followed_here", text="yes")
    registry_services.submit(actor=research, episode=episode, form_key="atih:atih_ordering", timepoint="ordering",
                             submitted_on=TODAY, reference="ATIH-42")
    registry_services.enter_value(actor=research, episode=episode, item="usually_followed_here", text="no")
    for path in ("/registry/?destination=atih", f"/registry/episodes/{episode.pk}/"):
        assert fetch(live_server, "research", path)[0] == 200
    assert read_by("research", patient) == 2
