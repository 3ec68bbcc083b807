"""The one access helper: an object reached through its patient, in scope, allowed, and its read journaled."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
import pytest

from cellrelay.journal.models import JournalEntry
from cellrelay.organisation.models import User
from cellrelay.organisation.permissions import Action
from cellrelay.pathway.models import Episode
from cellrelay.patients.access import reach
from cellrelay.patients.models import Patient


def reads_of(patient):
    return JournalEntry.objects.filter(action=JournalEntry.Action.PATIENT_READ, patient_id=patient.pk).count()


def test_an_episode_is_reached_through_its_patient_and_the_read_is_journaled(users, episode):
    before = reads_of(episode.patient)
    assert reach(users["coordinator"], Episode, episode.pk) == episode
    assert reads_of(episode.patient) == before + 1


def test_a_patient_of_another_center_is_not_found(org, outsider, patient):
    with pytest.raises(Http404):
        reach(outsider, Patient, patient.pk, patient="")
    assert reads_of(patient) == 0


def test_a_referring_physician_reaches_only_the_patients_they_referred(users, patient, referred_patient):
    assert reach(users["referrer"], Patient, referred_patient.pk, patient="") == referred_patient
    with pytest.raises(Http404):
        reach(users["referrer"], Patient, patient.pk, patient="")


def test_seeing_is_not_acting_the_action_comes_from_the_permission_table(users, patient):
    assert reach(users["research"], Patient, patient.pk, Action.RECORD_CONSENT, patient="") == patient
    with pytest.raises(PermissionDenied):
        reach(users["research"], Patient, patient.pk, Action.EDIT_PATIENT, patient="")


def test_a_page_that_journals_the_read_itself_can_say_so(users, patient):
    reach(users["coordinator"], Patient, patient.pk, patient="", journal_read=False)
    assert reads_of(patient) == 0


def test_no_such_object_is_a_404(users):
    with pytest.raises(Http404):
        reach(users["coordinator"], Patient, 999_999, patient="")
    assert User.objects.filter(username="coordinator").exists()
