"""Consent gating, completeness (one missing item of each kind), submissions and "to correct", the page's filters
and the query count, on the real database."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cellrelay.journal.models import JournalEntry
from cellrelay.patients.models import Patient
from cellrelay.registry import completeness, services
from cellrelay.registry.consent import allowed_patients
from cellrelay.registry.sources import Bundle
from tests.conftest import open_episode, register

from .helpers import consent, infused_long_ago

pytestmark = pytest.mark.django_db


def rows_of(episode, **filters):
    return {(row.form.key, row.timepoint): row for row in completeness.rows(Bundle([episode]), **filters)}


def test_without_the_consent_a_destination_needs_every_form_is_blocked_and_named(org, patient, episode):
    consent(org, patient, "registry")
    found = rows_of(episode)
    assert found[("atih:atih_ordering", "ordering")].status != completeness.BLOCKED
    ebmt = found[("ebmt:med_a", "registration")]
    assert ebmt.status == completeness.BLOCKED and ebmt.missing_consents == ["data_sharing"]
    assert all(row.status == completeness.BLOCKED for key, row in found.items() if key[0].startswith("cibmtr"))
    assert list(allowed_patients("ebmt", Patient.objects.all())) == []
    assert list(allowed_patients("atih", Patient.objects.all())) == [patient]


def test_the_latest_consent_decides(org, patient, episode):
    consent(org, patient, "registry", "data_sharing", days_ago=30)
    assert list(allowed_patients("ebmt", Patient.objects.all())) == [patient]
    consent(org, patient, "data_sharing", status="withdrawn", days_ago=2)
    assert list(allowed_patients("ebmt", Patient.objects.all())) == []
    assert rows_of(episode)[("ebmt:med_a", "registration")].status == completeness.BLOCKED


def test_a_patient_missing_one_item_of_each_kind_is_told_where_each_is_filled(org, patient):
    consent(org, patient, "registry", "data_sharing")
    episode = infused_long_ago(org, patient)
    found = rows_of(episode)
    wheres = {item.code: where for item, where in found[("cibmtr:4006", "infusion")].missing}
    assert wheres == {"collection_din": "Cell collection — apheresis nurse",
                      "manufacturer_lot": "CAR-T product — pharmacist",
                      "volume_infused_ml": "Registry page — research assistant"}
    day100 = found[("ebmt:day100", "D100")]
    missing = {item.code: where for item, where in day100.missing}
    assert missing["crs_max_grade"] == "Monitoring flow sheet: grades to confirm — haematologist"
    assert missing["survival_status"] == "Follow-up visit D100 — haematologist"
    assert day100.values["infusion_date"] is not None  # from the pathway: not missing
    assert day100.status == completeness.OVERDUE  # D100 + 30 days is past
    assert found[("ebmt:month6", "M6")].status == completeness.NOT_DUE
    assert not any(tp in ("Y1", "Y2") for _form, tp in found if _form == "ebmt:annual" and tp == "Y2")


def test_an_incomplete_form_is_refused_naming_its_missing_items(org, patient, episode, users):
    consent(org, patient, "registry")
    with pytest.raises(Exception) as refused:
        services.submit(actor=users["research"], episode=episode, form_key="atih:atih_ordering", timepoint="ordering",
                        submitted_on=timezone.localdate())
    assert "The infusing hospital usually follows the patient (Registry page — research assistant)" in \
        str(refused.value)
    assert not JournalEntry.objects.filter(action="registry.submitted").exists()


def test_a_change_to_a_submitted_value_flags_the_form_to_correct_until_submitted_again(org, patient, episode, users):
    consent(org, patient, "registry")
    research = users["research"]
    services.enter_value(actor=research, episode=episode, item="usually_followed_here", text="yes")
    submission = services.submit(actor=research, episode=episode, form_key="atih:atih_ordering",
                                 timepoint="ordering", submitted_on=timezone.localdate(), reference="ATIH-42")
    assert submission.values["usually_followed_here"] is True and submission.values["ipp"] == "IPP00001"
    assert rows_of(episode)[("atih:atih_ordering", "ordering")].status == completeness.SUBMITTED
    services.enter_value(actor=research, episode=episode, item="usually_followed_here", text="no")
    row = rows_of(episode)[("atih:atih_ordering", "ordering")]
    assert row.status == completeness.TO_CORRECT
    assert [(item.code, sent, now) for item, sent, now in row.differences] == [("usually_followed_here", True, False)]
    services.submit(actor=research, episode=episode, form_key="atih:atih_ordering", timepoint="ordering",
                    submitted_on=timezone.localdate(), reference="ATIH-43")
    assert rows_of(episode)[("atih:atih_ordering", "ordering")].status == completeness.SUBMITTED
    entries = JournalEntry.objects.filter(action="registry.submitted").order_by("id")
    assert entries.count() == 2 and entries.last().after["differences"] == {"usually_followed_here": [True, False]}


def test_a_value_changed_since_the_submission_is_shown_in_words_not_as_true_or_false(org, patient, episode, users,
                                                                                    client_as):
    consent(org, patient, "registry")
    research = users["research"]
    services.enter_value(actor=research, episode=episode, item="usually_followed_here", text="yes")
    services.submit(actor=research, episode=episode, form_key="atih:atih_ordering", timepoint="ordering",
                    submitted_on=timezone.localdate(), reference="ATIH-42")
    services.enter_value(actor=research, episode=episode, item="usually_followed_here", text="no")
    for language, words in (("en", "sent yes, now no"), ("fr", "transmis oui, maintenant non")):
        client = client_as("research", language)
        listing = client.get("/registry/?destination=atih").content.decode()
        form = client.get(f"/registry/episodes/{episode.pk}/").content.decode()
        for page in (listing, form):
            assert words in page and "True" not in page and "False" not in page


def test_an_entered_value_of_the_wrong_type_is_refused(org, episode, users):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Answer yes or no"):
        services.enter_value(actor=users["research"], episode=episode, item="usually_followed_here", text="maybe")
    with pytest.raises(ValidationError, match="comes from the patient's record"):
        services.enter_value(actor=users["research"], episode=episode, item="prior_lines", text="3")


def test_the_research_assistants_page_filters_by_registry_form_and_month(org, patient, episode, client_as):
    consent(org, patient, "registry", "data_sharing")
    client = client_as("research")

    def table(url):
        return client.get(url).content.decode().partition('<table class="registry-rows"')[2]

    page = table("/registry/?destination=atih")
    assert "Reimbursement data at ordering (ATIH)" in page and "EBMT Cellular Therapy MED-A" not in page
    page = table("/registry/?form=ebmt:med_a")
    assert "EBMT Cellular Therapy MED-A" in page and "Reimbursement data at ordering" not in page
    due = episode.decision.meeting.held_on + dt.timedelta(days=30)
    assert "GARNIER" in table(f"/registry/?month={due:%Y-%m}")
    other = (due + dt.timedelta(days=62)).strftime("%Y-%m")
    assert "GARNIER" not in table(f"/registry/?month={other}")
    assert "Give a month as YYYY-MM." in client.get("/registry/?month=2026-13").content.decode()


def test_the_patient_page_shows_the_registry_status_per_destination(org, patient, episode, client_as):
    consent(org, patient, "registry")
    page = client_as("research").get(f"/patients/{patient.pk}/").content.decode()
    assert "consent missing: data_sharing" in page and "ATIH" in page
    assert "consent missing" not in client_as("haematologist").get(f"/patients/{patient.pk}/").content.decode()


def _count_queries(patients) -> int:
    with CaptureQueriesContext(connection) as queries:
        completeness.rows(Bundle.for_patients(patients))
    return len(queries)


def test_completeness_takes_as_many_queries_for_30_patients_as_for_3(org, django_assert_max_num_queries):
    for serial in range(30):
        person = register(org, family=f"Patient{serial}", serial=100 + serial)
        consent(org, person, "registry", "data_sharing")
        open_episode(org, person)
    few = Patient.objects.filter(family_name__in=["Patient0", "Patient1", "Patient2"])
    with_three = _count_queries(few)
    with django_assert_max_num_queries(with_three):
        found = completeness.rows(Bundle.for_patients(Patient.objects.all()))
    assert len({row.patient.pk for row in found}) == 30
