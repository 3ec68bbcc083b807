"""The patient pages as staff use them: search, register, edit, bad input beside the field."""

import pytest

from cellrelay.journal.models import JournalEntry
from cellrelay.patients.models import Patient
from tests.conftest import register

pytestmark = pytest.mark.django_db

VALID = {"family_name": "Lemaire", "given_names": "Odile", "birth_date": "1958-02-11", "sex": "F",
         "ins": "2 58 02 63 113 001 49", "weight_kg": "64", "height_cm": "160", "ipp": "MC999"}


@pytest.fixture
def many(org):
    for serial, family in enumerate(["Martin", "Martinez", "Bernard", "Petit"], start=10):
        register(org, family=family, serial=serial)


@pytest.mark.parametrize("query, found", [
    ("mart", ["MARTIN Michel", "MARTINEZ Michel"]),
    ("Bernard", ["BERNARD Michel"]),
    ("IPP00012", ["BERNARD Michel"]),
    ("zzz", []),
])
def test_search_by_name_ins_or_ipp(client_as, many, query, found):
    page = client_as("coordinator").get("/patients/", {"q": query})
    assert [str(p) for p in page.context["patients"]] == found


def test_search_by_ins_as_printed(client_as, patient):
    spaced = " ".join([patient.ins[:1], patient.ins[1:3], patient.ins[3:5], patient.ins[5:]])
    page = client_as("coordinator").get("/patients/", {"q": spaced})
    assert list(page.context["patients"]) == [patient]


def test_register_a_patient_through_the_form(client_as, org):
    response = client_as("coordinator").post("/patients/new/", {**VALID, "treating_center": org["treating"].pk})
    patient = Patient.objects.get(family_name="Lemaire")
    assert response.status_code == 302 and response["Location"] == f"/patients/{patient.pk}/"
    assert patient.ins == "258026311300149" and patient.local_ids.get().ipp == "MC999"


@pytest.mark.parametrize("field, value, english, french", [
    ("ins", "258026311300199", "key", "clé"),
    ("birth_date", "2999-01-01", "future", "futur"),
    ("weight_kg", "0", "greater than or equal to 2", "supérieure ou égale à 2"),
    ("weight_kg", "900", "less than or equal to 350", "inférieure ou égale à 350"),
])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_bad_input_shows_beside_the_field_in_the_users_language(client_as, org, field, value, english, french,
                                                                   language):
    before = Patient.objects.count(), JournalEntry.objects.count()
    page = client_as("coordinator", language).post(
        "/patients/new/", {**VALID, field: value, "treating_center": org["treating"].pk})
    assert page.status_code == 200
    errors = " ".join(page.context["form"].errors[field])
    assert (english if language == "en" else french) in errors
    assert f'id="id_{field}-error"' in page.content.decode()
    assert (Patient.objects.count(), JournalEntry.objects.count()) == before


def test_a_referring_physician_registers_a_referral(client_as, org, users):
    client_as("referrer").post("/patients/new/", {**VALID, "treating_center": org["treating"].pk})
    patient = Patient.objects.get(family_name="Lemaire")
    assert patient.referring_physician == users["referrer"] and patient.referring_center == org["referring"][0]
    assert [str(p) for p in client_as("referrer").get("/patients/").context["patients"]] == ["LEMAIRE Odile"]
    assert list(client_as("referrer2").get("/patients/").context["patients"]) == []


def test_an_edit_made_on_an_old_copy_is_refused_with_a_message(client_as, patient):
    nurse = client_as("wardnurse")
    form = {**{k: v for k, v in VALID.items() if k != "ipp"}, "family_name": "Garnier", "given_names": "Michel",
            "sex": "M", "birth_date": "1962-05-14", "ins": patient.ins, "version": 1}
    assert nurse.post(f"/patients/{patient.pk}/edit/", {**form, "weight_kg": "75"}).status_code == 302
    stale = nurse.post(f"/patients/{patient.pk}/edit/", {**form, "weight_kg": "70"})
    assert "changed by someone else" in stale.content.decode()
    patient.refresh_from_db()
    assert str(patient.weight_kg) == "75.0"


def test_the_record_shows_identity_measures_and_consents(client_as, patient):
    client = client_as("coordinator")
    client.post(f"/patients/{patient.pk}/consents/new/", {"kind": "registry", "status": "given", "decided_on": "2026-01-05"})
    client.post(f"/patients/{patient.pk}/contacts/new/", {"kind": "caregiver", "name": "Anne Garnier", "phone": "0601"})
    html = client.get(f"/patients/{patient.pk}/").content.decode()
    for text in ("GARNIER Michel", patient.ins_display, "1.94 m²", "IPP00001", "Anne Garnier", "Registry reporting", "Given"):
        assert text in html
