"""The administrators' journal page: filters by patient, user and date; only their centers."""

import datetime as dt

import pytest
from django.utils import timezone

from cellrelay.journal.models import JournalEntry
from cellrelay.organisation.models import Center, Membership, User
from cellrelay.organisation.permissions import Role
from cellrelay.pharmacy.services import storage
from tests.conftest import PASSWORD, register
from tests.pharmacy.helpers import tank_with_positions

pytestmark = pytest.mark.django_db


def shown(client, **filters):
    page = client.get("/journal/", filters)
    assert page.status_code == 200
    return list(page.context["page"].object_list)


def test_filter_by_patient_and_user(client_as, org, patient, referred_patient, users):
    client = client_as("admin")
    client_as("pharmacist").get(f"/patients/{patient.pk}/")
    by_patient = shown(client, patient="Faure")
    assert by_patient and all(e.patient_id == referred_patient.pk for e in by_patient)
    by_user = shown(client, user=users["pharmacist"].pk)
    assert [(e.action, e.patient_id) for e in by_user] == [("patient.read", patient.pk)]


def test_filter_by_date(client_as, patient):
    client = client_as("admin")
    today = timezone.localdate()
    assert shown(client, date_from=today.isoformat(), date_to=today.isoformat())
    assert shown(client, date_to=(today - dt.timedelta(days=1)).isoformat()) == []


def test_an_administrator_elsewhere_sees_nothing_of_this_center(org, patient, client):
    elsewhere = Center.objects.create(name="CHU d'Ailleurs", short_name="Ailleurs", kind=Center.Kind.TREATING)
    admin = User.objects.create_user("admin2", password=PASSWORD)
    Membership.objects.create(user=admin, center=elsewhere, role=Role.ADMINISTRATOR)
    client.force_login(admin)
    assert [e for e in shown(client) if e.patient_id] == []


def test_the_journal_page_is_for_administrators(client_as, org):
    assert client_as("coordinator").get("/journal/").status_code == 403


def test_the_patient_filter_is_a_search_by_name_ins_or_ipp(client_as, org, patient, referred_patient):
    client = client_as("admin")
    page = client.get("/journal/").content.decode()
    assert '<input type="text" name="patient"' in page and '<select name="patient"' not in page
    for text in ("garn", patient.ins[:7], "IPP00001"):
        found = shown(client, patient=text)
        assert found and all(names(e, patient) for e in found), text
    assert shown(client, patient="Nobody") == []


def names(entry, patient) -> bool:
    """The entry is about the patient, or is a list that showed them (the journal page read a moment ago)."""
    return entry.patient_id == patient.pk or patient.pk in (entry.after or {}).get("patients", [])


def test_the_patient_filter_finds_the_lists_that_showed_the_patient_among_others(client_as, org, patient,
                                                                                 referred_patient):
    client_as("coordinator").get("/patients/", {"q": ""})
    listing = JournalEntry.objects.get(action=JournalEntry.Action.PATIENTS_LISTED)
    assert listing.patient_id is None and listing.after["patients"] == sorted([patient.pk, referred_patient.pk])
    assert listing in shown(client_as("admin"), patient="Faure")
    assert listing in shown(client_as("admin"), patient="Garnier")


def test_the_user_filter_offers_the_referring_physicians(client_as, org, referred_patient, users):
    page = client_as("admin").get("/journal/").content.decode()
    assert f'<option value="{users["referrer"].pk}">' in page
    assert [e.actor_id for e in shown(client_as("admin"), user=users["referrer"].pk)]


def test_every_model_names_its_objects_in_words():
    from django.apps import apps
    from django.db import models

    unnamed = [m._meta.label for m in apps.get_models()
               if m.__module__.startswith("cellrelay.") and m.__str__ is models.Model.__str__]
    assert unnamed == []


def test_the_journal_names_a_tank_reading_in_words(client_as, org, users):
    tank, _positions = tank_with_positions(org)
    storage.record_reading(actor_or_none=users["pharmacist"], tank=tank, ln2_level_percent=62, temperature_c=-190)
    page = client_as("admin").get("/journal/", {"user": users["pharmacist"].pk}).content.decode()
    assert "object (" not in page
    assert "Tank reading" in page and "Cuve 1: LN2 62.0 %, -190.0 °C" in page


def test_an_entry_written_before_models_named_themselves_still_reads_in_words():
    old = JournalEntry(object_type="pharmacy.tankreading", object_id="2", object_repr="TankReading object (2)")
    assert old.object_label() == "Tank reading #2"


def test_the_patient_filter_reads_the_journal_by_its_indexes(client_as, org, patient, referred_patient):
    """The entries about the patients found and the lists that showed them: both by index (a bitmap OR on
    PostgreSQL, asked not to prefer a scan of a small test table; SQLite's multi-index OR), never a walk of the
    whole journal testing each entry against the search."""
    from django.db import connection

    from cellrelay.journal.reads import appearances_of
    from cellrelay.organisation import patient_search

    client_as("coordinator").get("/patients/", {"q": ""})
    found = patient_search.patient_ids("Faure", [org["treating"].pk])
    entries = JournalEntry.objects.filter(appearances_of(found))
    assert entries.exists()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = entries.explain()
        assert "BitmapOr" in plan and "Seq Scan on journal_journalentry" not in plan, plan
    else:
        plan = entries.explain()
        assert "MULTI-INDEX OR" in plan and "SCAN journal_journalentry" not in plan, plan


def test_the_journal_pages_back_and_forth_by_entry_without_counting_it(client_as, org, users, monkeypatch):
    monkeypatch.setattr("cellrelay.organisation.views.JOURNAL_PAGE_SIZE", 2)
    tank, _positions = tank_with_positions(org)
    for level in (60, 61, 62, 63, 64):
        storage.record_reading(actor_or_none=users["pharmacist"], tank=tank, ln2_level_percent=level,
                               temperature_c=-190)
    client, mine = client_as("admin"), {"user": users["pharmacist"].pk}
    ids = list(JournalEntry.objects.filter(actor=users["pharmacist"]).order_by("-id").values_list("id", flat=True))
    first = client.get("/journal/", mine).context["page"]
    assert [e.id for e in first] == ids[:2] and first.newer is None and first.older == ids[1]
    second = client.get("/journal/", {**mine, "before": first.older}).context["page"]
    assert [e.id for e in second] == ids[2:4] and second.newer == ids[2] and second.older == ids[3]
    back = client.get("/journal/", {**mine, "after": second.newer}).context["page"]
    assert [e.id for e in back] == ids[:2] and back.newer is None
    last = client.get("/journal/", {**mine, "before": second.older}).context["page"]
    assert [e.id for e in last] == ids[4:] and last.older is None
