"""Reads are journaled one entry per response: a list names every patient it shows, with its page and search terms,
in one INSERT whatever the number of rows; a page that reaches one patient several times writes one read."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cellrelay.journal import reads
from cellrelay.journal.models import JournalEntry, PatientShown
from cellrelay.pathway.models import Episode
from cellrelay.patients.access import reach
from cellrelay.patients.models import Patient
from tests.conftest import register

pytestmark = pytest.mark.django_db
LISTED = JournalEntry.Action.PATIENTS_LISTED


SERIALS = itertools.count(100)  # each patient its own INS


def patients(org, count: int, family: str = "Garnier") -> list[Patient]:
    return [register(org, family=f"{family}{chr(65 + n % 26)}", serial=next(SERIALS)) for n in range(count)]


def test_a_search_page_writes_one_entry_naming_each_patient_shown_with_its_terms(client_as, org, users):
    found = patients(org, 2, "Garnier")
    patients(org, 1, "Martin")
    response = client_as("coordinator").get("/patients/", {"q": "garn"}, HTTP_X_REQUEST_ID="search-1")
    assert response.status_code == 200
    entry = JournalEntry.objects.get(request_id="search-1")
    assert (entry.action, entry.actor) == (LISTED, users["coordinator"])
    ids = sorted(p.pk for p in found)
    assert entry.after == {"page": "/patients/", "query": {"q": ["garn"]}, "count": 2, "patients": ids}
    assert sorted(PatientShown.objects.filter(entry=entry).values_list("patient_id", flat=True)) == ids
    assert entry.center_id == org["treating"].pk  # one center: filed under it, for its administrators


def test_the_api_search_is_journaled_even_when_it_finds_nobody(api_as, org):
    patients(org, 1)
    response = api_as("coordinator").get("/api/v1/patients", {"q": "Nobody"}, HTTP_X_REQUEST_ID="search-2")
    assert response.status_code == 200 and response.json() == []
    entry = JournalEntry.objects.get(request_id="search-2")
    assert entry.after["query"] == {"q": ["Nobody"]} and entry.after["count"] == 0


def test_a_list_that_shows_nobody_and_searched_nothing_writes_nothing(client_as, org, outsider):
    patients(org, 2)
    before = JournalEntry.objects.count()
    assert client_as("outsider").get("/patients/").status_code == 200
    assert JournalEntry.objects.count() == before


def journal_inserts(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in queries if q["sql"].startswith("INSERT") and '"journal_' in q["sql"]]


def test_the_journal_writes_of_a_list_do_not_grow_with_its_rows(client_as, org):
    client = client_as("coordinator")
    patients(org, 2)
    few = journal_inserts(client, "/patients/")
    patients(org, 40, "Durand")
    many = journal_inserts(client, "/patients/")
    assert JournalEntry.objects.filter(action=LISTED).last().after["count"] == 42
    assert len(few) == len(many) == 2  # the entry, and one bulk INSERT of the patients it names


def test_a_page_reaching_one_patient_through_several_objects_journals_one_read(users, episode):
    collector, token = reads.collect()
    try:
        reach(users["coordinator"], Episode, episode.pk)
        reach(users["coordinator"], Patient, episode.patient.pk, patient="")
    finally:
        reads.finish(token)
    before = JournalEntry.objects.count()
    entry = reads.write(collector, page="/episodes/1/", query={})
    assert JournalEntry.objects.count() == before + 1
    assert (entry.action, entry.patient_id, entry.after) == (JournalEntry.Action.PATIENT_READ, episode.patient.pk,
                                                             {"page": "/episodes/1/"})


def test_a_query_string_value_is_kept_to_a_sane_length(client_as, org):
    client_as("coordinator").get("/patients/", {"q": "x" * 5000}, HTTP_X_REQUEST_ID="long")
    assert JournalEntry.objects.get(request_id="long").after["query"] == {"q": ["x" * reads.QUERY_VALUE_LIMIT]}
