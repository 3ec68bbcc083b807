"""The referral form and the RCP decision page show who the patient is: opening them is a journaled read.

Checked with real transactions (as on the hospital's server, where no transaction wraps a request): pytest-django's
usual wrapping transaction would hide a read journaled outside one.
"""

import datetime as dt

import pytest
from django.utils import timezone

from cellrelay.journal.models import JournalEntry
from cellrelay.referrals import services

pytestmark = pytest.mark.django_db(transaction=True)


def reads(username: str, patient) -> int:
    return JournalEntry.objects.filter(action=JournalEntry.Action.PATIENT_READ, actor__username=username,
                                       patient_id=patient.pk).count()


def test_the_referral_form_journals_the_read(patient, client_as):
    response = client_as("coordinator").get(f"/patients/{patient.pk}/referrals/new/")
    assert response.status_code == 200 and str(patient) in response.content.decode()
    assert reads("coordinator", patient) == 1


def test_the_decision_page_journals_the_read(org, users, patient, client_as):
    referral = services.create_referral(
        actor=users["coordinator"], patient=patient, from_center=org["referring"][0],
        from_physician=users["referrer"], received_on=timezone.localdate() - dt.timedelta(days=3), diagnosis="lbcl",
        prior_lines=2, prior_transplant="none", current_status="refractory")
    meeting = services.create_meeting(actor=users["coordinator"], center=org["treating"],
                                      held_on=timezone.localdate())
    services.add_to_agenda(actor=users["coordinator"], meeting=meeting, referral=referral)
    response = client_as("haematologist").get(f"/rcp/{meeting.pk}/decide/{referral.pk}/")
    assert response.status_code == 200 and str(patient) in response.content.decode()
    assert reads("haematologist", patient) == 1
