"""The exports: the pseudonymised research export holds no direct identifier (checked on its raw bytes), refuses
patients without the research consent; the CSV leaves blocked patients out; the PDF is journaled; the API."""

import json

import pytest
from django.utils import formats, timezone

from cellrelay.journal.models import JournalEntry
from cellrelay.registry import exports
from tests.conftest import register

from .helpers import consent, infused_long_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(org, patient, referred_patient):
    """Two infused patients who gave every consent, and one who refused research."""
    third = register(org, family="Lemoine", given="Sandrine", sex="F", serial=3)
    for person in (patient, referred_patient, third):
        consent(org, person, "registry", "data_sharing")
        infused_long_ago(org, person)
    consent(org, patient, "research")
    consent(org, referred_patient, "research")
    consent(org, third, "research", status="refused")
    return [patient, referred_patient, third]


def identifiers_of(person):
    found = [person.family_name, person.given_names, person.family_name.upper(), person.ins,
             person.birth_date.isoformat(), person.birth_date.strftime("%d/%m/%Y"),
             formats.date_format(person.birth_date, "SHORT_DATE_FORMAT")]
    found += [local.ipp for local in person.local_ids.all()]
    return [text for text in found if text]


def test_the_research_export_holds_no_direct_identifier_and_refuses_patients_without_consent(cohort, client_as):
    response = client_as("research").get("/registry/exports/?download=research&shift=1")
    raw = response.content
    assert response.status_code == 200
    for person in cohort:
        for identifier in identifiers_of(person):
            assert identifier.encode() not in raw, identifier
    lines = [json.loads(line) for line in raw.splitlines()]
    assert len(lines) == 2  # the third refused research
    assert {line["birth_year"] for line in lines} == {cohort[0].birth_date.year, cohort[1].birth_date.year}
    assert all(line["dates_shifted"] and len(line["pseudonym"]) == 32 for line in lines)
    listed = JournalEntry.objects.filter(action="patients.listed").last()
    assert sorted(listed.after["patients"]) == sorted([cohort[0].pk, cohort[1].pk])


def test_pseudonyms_are_stable_per_destination_and_shifts_never_zero(settings):
    settings.CELLRELAY_PSEUDONYM_KEY = "a-site-key"
    research, other = exports.destination_key("research"), exports.destination_key("other")
    assert exports.pseudonym(research, 7) == exports.pseudonym(research, 7) != exports.pseudonym(other, 7)
    shifts = {exports.date_shift(research, pk, 30) for pk in range(1, 400)}
    assert 0 not in shifts and min(shifts) >= -30 and max(shifts) <= 30 and len(shifts) > 40


def test_unshifted_dates_are_the_true_ones(cohort, client_as):
    raw = client_as("research").get("/registry/exports/?download=research").content
    first = json.loads(raw.splitlines()[0])
    assert first["dates_shifted"] is False and first["infusion_date"] is not None


def test_the_csv_of_a_form_has_the_item_codes_as_columns_and_leaves_blocked_patients_out(org, cohort, client_as):
    consent(org, cohort[2], "data_sharing", status="withdrawn", days_ago=1)
    text = client_as("research").get("/registry/exports/?download=csv&form=cibmtr:4000").content.decode()
    first, header, *rows = text.splitlines()
    assert first.startswith("# cibmtr:4000 4000: 1 blocked row(s) left out")
    assert header.split(",")[:4] == ["timepoint", "status", "birth_date", "sex"]
    assert len(rows) == 2 and "Lemoine" not in text


def test_the_printable_form_is_a_pdf_and_its_reading_is_journaled(cohort, client_as):
    episode = cohort[0].episodes.get()
    response = client_as("research").get(f"/registry/episodes/{episode.pk}/form.pdf?form=cibmtr:4000&timepoint=infusion")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    entry = JournalEntry.objects.filter(action=JournalEntry.Action.DOCUMENT_READ).last()
    assert entry.patient_id == cohort[0].pk and entry.after["form"] == "cibmtr:4000"


def test_a_blocked_form_is_never_printed(org, patient, episode, client_as):
    consent(org, patient, "registry")
    response = client_as("research").get(f"/registry/episodes/{episode.pk}/form.pdf?form=ebmt:med_a")
    assert response.status_code == 404


def test_the_api_refuses_an_incomplete_submission_naming_the_missing_items(org, patient, episode, api_as):
    consent(org, patient, "registry")
    client = api_as("research")
    response = client.post("/api/v1/registry/submissions", content_type="application/json", data={
        "episode_id": episode.pk, "form": "atih:atih_ordering", "timepoint": "ordering",
        "submitted_on": timezone.localdate().isoformat()})
    assert response.status_code == 422
    assert "The infusing hospital usually follows the patient" in response.json()["errors"]["form"][0]
    listing = client.get("/api/v1/registry/completeness?destination=atih").json()
    assert listing["due"] == 1 and listing["complete"] == 0
    assert listing["rows"][0]["missing"][0]["where"] == "Registry page — research assistant"
    beyond = client.get("/api/v1/registry/completeness?destination=atih&page=2").json()
    assert beyond["count"] == listing["count"] and beyond["rows"] == []  # the rows come 50 a page
    assert client.get("/api/v1/registry/completeness?month=2026-13").status_code == 422
    assert api_as("haematologist").get("/api/v1/registry/completeness").status_code == 403
