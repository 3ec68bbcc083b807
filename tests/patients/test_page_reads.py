"""The patient's form pages show who the patient is, so opening one is a journaled read of the record, like the
record itself; so is the API's answer to a change, which returns the whole record.

Checked with real transactions (as on the hospital's server, where no transaction wraps a request): pytest-django's
usual wrapping transaction would hide a read journaled outside one.
"""

import pytest

from cellrelay.journal.models import JournalEntry

pytestmark = pytest.mark.django_db(transaction=True)


def reads(username: str, patient) -> int:
    return JournalEntry.objects.filter(action=JournalEntry.Action.PATIENT_READ, actor__username=username,
                                       patient_id=patient.pk).count()


def test_each_form_page_of_a_patient_journals_the_read(patient, client_as):
    pages = [f"/patients/{patient.pk}/edit/", f"/patients/{patient.pk}/local-ids/new/",
             f"/patients/{patient.pk}/contacts/new/", f"/patients/{patient.pk}/consents/new/"]
    client = client_as("coordinator")
    for number, page in enumerate(pages, start=1):
        response = client.get(page)
        assert response.status_code == 200 and str(patient) in response.content.decode(), page
        assert reads("coordinator", patient) == number, page


def test_a_change_through_the_api_journals_the_read_of_the_record_it_returns(patient, api_as):
    response = api_as("coordinator").patch(f"/api/v1/patients/{patient.pk}", {"version": patient.version,
                                                                              "phone": "0600000000"},
                                           content_type="application/json")
    assert response.status_code == 200 and response.json()["family_name"] == patient.family_name
    assert reads("coordinator", patient) == 1


def test_the_list_and_the_api_search_journal_the_patients_they_show(patient, client_as, api_as):
    """Lists too: written after the view, in their own transaction, as on the server."""
    assert client_as("coordinator").get("/patients/").status_code == 200
    assert api_as("coordinator").get("/api/v1/patients", {"q": patient.family_name[:3]}).status_code == 200
    listed = JournalEntry.objects.filter(action=JournalEntry.Action.PATIENTS_LISTED, actor__username="coordinator")
    assert [entry.after["patients"] for entry in listed] == [[patient.pk], [patient.pk]]
    assert listed.last().after["query"] == {"q": [patient.family_name[:3]]}
