"""Name search as staff type it (any case, any accents, either name first) answered from an index on both databases."""

import importlib
import re

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, strategies as st

from cellrelay.patients import services
from cellrelay.patients.identity import search_key
from cellrelay.patients.models import Patient
from cellrelay.patients.search import first_page, search_patients
from tests.conftest import register


def test_the_key_drops_case_accents_and_punctuation():
    assert search_key("Lefèvre-Dupré,", "Zoé") == "lefevre dupre zoe"
    assert search_key("d'Ørsted", "Œdipe") == "d orsted oedipe"
    assert search_key("  ", "") == ""


@given(st.text())
def test_a_key_is_its_own_key(text):
    """What the search makes of typed text finds what the services stored from the same text."""
    assert search_key(search_key(text)) == search_key(text)


@pytest.fixture
def people(org):
    return {
        "lefevre": register(org, family="Lefèvre-Dupré", given="Zoé", serial=21, sex="F"),
        "martin": register(org, family="Martin", given="Élise", serial=22, sex="F"),
        "marty": register(org, family="Marty", given="Jean", serial=23),
    }


def found(text):
    return sorted(p.family_name for p in search_patients(Patient.objects.all(), text))


@pytest.mark.django_db
@pytest.mark.parametrize("text, families", [
    ("lefev", ["Lefèvre-Dupré"]),
    ("LEFÈVRE DUP", ["Lefèvre-Dupré"]),
    ("lefevre-dupre zo", ["Lefèvre-Dupré"]),
    ("zoe lef", ["Lefèvre-Dupré"]),
    ("elise", ["Martin"]),
    ("mart", ["Martin", "Marty"]),
    ("martin", ["Martin"]),
    ("IPP00023", ["Marty"]),
    ("ipp00023", []),  # an IPP is matched exactly
    ("dupre", []),  # the start of a name, not its middle
])
def test_search_by_any_spelling_of_the_names(people, text, families):
    assert found(text) == families


@pytest.mark.django_db
@pytest.mark.parametrize("wildcard", ["%", "_", "*", "?", "[", "1%", "1_", "1*", "1?", "1[", "m_rt", "m?rt"])
def test_wildcards_typed_are_plain_characters(people, wildcard):
    """Marty's INS starts with 1: "1%" is no INS prefix; in a name, punctuation is a space."""
    assert found("1") == ["Marty"]
    assert found(wildcard) == []


@pytest.mark.django_db
def test_search_by_the_start_of_an_ins(people):
    ins = people["marty"].ins
    assert found(ins[:9]) == ["Marty"]


@pytest.mark.django_db
def test_a_renamed_patient_is_found_by_the_new_name(org, people):
    patient = people["marty"]
    services.update_patient(actor=org["users"]["coordinator"], patient=patient, expected_version=patient.version,
                            changes={"family_name": "Éluard"})
    assert found("eluard") == ["Éluard"] and found("marty") == []


@pytest.mark.django_db
def test_the_migration_fills_the_keys_of_patients_registered_before(people):
    Patient.objects.update(search_key="", search_key_given_first="")
    migration = importlib.import_module("cellrelay.patients.migrations.0005_fill_search_keys")
    migration.fill_search_keys(apps, connection.schema_editor())
    assert found("zoe") == ["Lefèvre-Dupré"] and found("mart") == ["Martin", "Marty"]


@pytest.mark.django_db
def test_the_count_is_asked_only_for_a_full_page(people):
    everyone = Patient.objects.all()
    with CaptureQueriesContext(connection) as queries:
        page, total = first_page(everyone, "", 3)
    assert (len(page), total, len(queries)) == (3, 3, 1)
    with CaptureQueriesContext(connection) as queries:
        page, total = first_page(everyone, "", 2)
    assert (len(page), total, len(queries)) == (2, 3, 2)


@pytest.mark.django_db
def test_a_page_lists_the_family_names_found_then_the_given_names_each_once(org, people):
    """"mar" finds Martin and Marty by their family name, in name order, then Marion Dupont by her given name; Marc
    Marchal, found both ways, is listed once, among the family names; the count is of patients, not of matches."""
    register(org, family="Dupont", given="Marion", serial=24, sex="F")
    register(org, family="Marchal", given="Marc", serial=25)
    page, total = first_page(Patient.objects.all(), "mar", 10)
    assert [p.family_name for p in page] == ["Marchal", "Martin", "Marty", "Dupont"] and total == 4
    page, total = first_page(Patient.objects.all(), "mar", 2)
    assert [p.family_name for p in page] == ["Marchal", "Martin"] and total == 4
    assert first_page(Patient.objects.all(), "IPP00023", 10) == ([people["marty"]], 1)


@pytest.mark.django_db
def test_a_search_beyond_the_count_cap_says_more_than_it(client_as, people, monkeypatch):
    """Past the cap the page counts no further: it says "more than" and shows the first patients found."""
    monkeypatch.setattr("cellrelay.patients.search.COUNT_CAP", 1)
    monkeypatch.setattr("cellrelay.patients.views.COUNT_CAP", 1)
    assert first_page(Patient.objects.all(), "mar", 10)[1] == 2  # the cap + 1: more than the cap
    page = client_as("coordinator").get("/patients/?q=mar").content.decode()
    assert "More than 1 patients" in page and "MARTIN" in page and "MARTY" in page


def plan(queryset) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # A test table is a few rows, which PostgreSQL would rather read whole: ask whether it can use the index.
            cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


@pytest.mark.django_db
@pytest.mark.parametrize("text, column", [
    ("lefev", "search_key"),
    ("zoe", "search_key_given_first"),
    ("25", "ins"),
    ("IPP00023", "ipp"),
])
def test_every_branch_of_the_search_reads_an_index(people, text, column):
    """No full scan of the patients: each branch of the OR is an index search (SQLite's multi-index OR, PostgreSQL's
    bitmap OR), this one's on its column."""
    explained = plan(search_patients(Patient.objects.all(), text))
    if connection.vendor == "sqlite":
        assert re.search(rf"SEARCH \w+ USING INDEX \w+ \({column}[>=]", explained), explained
        assert "SCAN patients_patient" not in explained, explained
    else:
        assert re.search(rf"Index Cond: \(+{column}\b", explained), explained
        assert "BitmapOr" in explained and "Seq Scan on patients_patient" not in explained, explained


@pytest.mark.django_db
@pytest.mark.parametrize("text, branch, index", [("lefev", 1, "patient_search_key"),
                                                 ("zoe", 2, "patient_search_key_given")])
def test_a_page_of_names_is_read_in_the_order_of_its_index(people, text, branch, index):
    """Each name branch of a page walks its index in the order listed and stops at the page's end: no sort of every
    match (a few letters match thousands of patients in a national registry)."""
    from cellrelay.patients.search import _branches

    query = _branches(Patient.objects.all(), text)[branch][:51]
    if connection.vendor == "sqlite":
        explained = query.explain()
        assert f"USING INDEX {index} (" in explained and "TEMP B-TREE" not in explained, explained
    else:
        with connection.cursor() as cursor:  # a test table is a few rows: ask whether the index can give the order
            cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off")
        explained = query.explain()
        assert re.search(rf"Index (Only )?Scan using {index} ", explained) and "Sort" not in explained, explained
