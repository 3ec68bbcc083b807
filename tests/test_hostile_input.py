"""Hostile input (issue #12, findings 4 and 5): every one answers a clear 4xx in the user's language and changes
nothing; what a real user sends (a 3.1 MB shipper log) still goes through. Run on SQLite and PostgreSQL: the
latter refuses NUL bytes and over-long strings that SQLite stores."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cellrelay.organisation.models import Center
from cellrelay.pathway import services as pathway_services
from cellrelay.monitoring.models import VitalSigns
from cellrelay.patients.models import Consent, Patient
from cellrelay.pharmacy.models import TankReading
from cellrelay.products.models import ShipmentTemperature
from cellrelay.referrals.models import Referral
from tests.pharmacy.helpers import tank_with_positions
from tests.products.test_shipping import back, product  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def send(client, method, url, body, content_type="application/json"):
    data = json.dumps(body) if not isinstance(body, (str, bytes)) else body
    response = getattr(client, method)(url, data=data, content_type=content_type)
    return response.status_code, (response.json() if response["Content-Type"].startswith("application/json")
                                  else response.content.decode())


def patient_body(**overrides):
    body = {"family_name": "Hostile", "given_names": "Input", "birth_date": "1970-01-01", "sex": "F"}
    return {**body, **overrides}


# Numbers ---------------------------------------------------------------------------------------------------

@pytest.fixture
def tank(org):
    return tank_with_positions(org)[0]


@pytest.mark.parametrize("temperature", [-1e30, 1e300, "NaN", "-Infinity", "1e999999"])
def test_a_tank_reading_out_of_any_scale_is_refused_by_the_api(api_as, tank, temperature):
    body = f'{{"ln2_level_percent": 50, "temperature_c": {temperature}}}'
    status, answer = send(api_as("tank-probe"), "post", f"/api/v1/pharmacy/tanks/{tank.pk}/readings", body)
    assert status == 422 and "temperature_c" in answer["errors"]
    assert not TankReading.objects.exists()


def test_a_tank_reading_out_of_any_scale_is_refused_on_the_page(client_as, tank):
    response = client_as("pharmacist").post(f"/pharmacy/tanks/{tank.pk}/readings/new/",
                                            {"ln2_level_percent": "50", "temperature_c": "-1e30"})
    assert response.status_code == 200 and "temperature" in response.content.decode().lower()
    assert not TankReading.objects.exists()


# Null on a text field -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["postcode", "address", "city", "phone", "family_name", "given_names"])
def test_null_on_a_text_field_is_refused_naming_it(api_as, patient, field):
    status, answer = send(api_as("coordinator"), "patch", f"/api/v1/patients/{patient.pk}",
                          {"version": patient.version, field: None})
    assert status == 422 and field in answer["errors"]
    assert Patient.objects.get(pk=patient.pk).version == patient.version


def test_an_empty_string_still_clears_a_home_field(api_as, patient):
    Patient.objects.filter(pk=patient.pk).update(postcode="75001")
    status, answer = send(api_as("coordinator"), "patch", f"/api/v1/patients/{patient.pk}",
                          {"version": patient.version, "postcode": ""})
    assert status == 200 and answer["postcode"] == ""


# Body size --------------------------------------------------------------------------------------------------

def shipper_log(lines: int) -> str:
    """A real shipper's log: one reading a minute, Celsius with a decimal comma, as its spreadsheet writes it."""
    start = NOW - dt.timedelta(minutes=lines + 10)
    rows = [f"{(start + dt.timedelta(minutes=i)).isoformat()};-18{i % 10},{i % 7}" for i in range(lines)]
    return "timestamp;temperature_c\n" + "\n".join(rows) + "\n"


def test_a_real_shipper_log_of_three_megabytes_is_accepted(back, api_as):  # noqa: F811
    text = shipper_log(95_000)
    assert len(text.encode()) > 3_000_000
    status, answer = send(api_as("pharmacist"), "post", f"/api/v1/products/shipments/{back.pk}/temperature-log",
                          text, content_type="text/csv")
    assert status == 201, answer
    assert answer["readings"] == 95_000 == ShipmentTemperature.objects.count()


def test_a_body_over_the_limit_is_a_413_in_json_on_the_api(back, api_as, settings):  # noqa: F811
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    status, answer = send(api_as("pharmacist", "fr"), "post",
                          f"/api/v1/products/shipments/{back.pk}/temperature-log", shipper_log(5_000),
                          content_type="text/csv")
    assert status == 413 and "trop volumineuse" in answer["message"]
    assert not ShipmentTemperature.objects.exists()


def test_a_form_over_the_limit_is_a_413_page(client_as, patient, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    response = client_as("coordinator").post(f"/patients/{patient.pk}/contacts/new/",
                                             {"kind": "other", "name": "x" * 200_000, "phone": "01"})
    assert response.status_code == 413
    page = response.content.decode()
    assert "cellrelay.css" in page and "too large" in page


def test_the_body_limit_is_a_setting_that_fits_a_five_megabyte_log():
    from django.conf import settings

    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE >= 6 * 1024 * 1024


# Text that cannot be stored -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Sur\ud800", "Nul\x00l"])
def test_unstorable_text_is_refused_by_the_api_naming_the_field(api_as, name):
    status, answer = send(api_as("coordinator"), "post", "/api/v1/patients", patient_body(family_name=name))
    assert status == 422 and "family_name" in answer["errors"]
    assert not Patient.objects.filter(given_names="Input").exists()


def test_unstorable_text_in_a_nested_value_is_refused(api_as, patient):
    status, answer = send(api_as("coordinator"), "post", f"/api/v1/patients/{patient.pk}/contacts",
                          {"kind": "other", "name": "A\x00", "phone": "01"})
    assert status == 422 and "name" in answer["errors"]


def test_a_nul_byte_in_a_form_is_refused_and_nothing_saved(client_as, org):
    response = client_as("coordinator").post("/patients/new/", {
        "treating_center": org["treating"].pk, "family_name": "Nul\x00l", "given_names": "Input",
        "birth_date": "1970-01-01", "sex": "F"})
    assert response.status_code in (200, 422)
    assert "cannot be stored" in response.content.decode() or "Null characters" in response.content.decode()
    assert not Patient.objects.filter(given_names="Input").exists()


def test_a_nul_byte_in_a_search_is_refused(client_as, api_as, patient):
    assert client_as("coordinator").get("/patients/", {"q": "Gar\x00"}).status_code == 422
    assert api_as("coordinator").get("/api/v1/patients", {"q": "Gar\x00"}).status_code == 422


def test_unstorable_text_is_refused_in_french(api_as):
    status, answer = send(api_as("coordinator", "fr"), "post", "/api/v1/patients",
                          patient_body(family_name="Nul\x00l"))
    assert status == 422 and "ne peut pas être enregistré" in answer["errors"]["family_name"][0]


# Dates ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("field, day", [("infusion_date", "9999-12-31"), ("apheresis_date", "0001-01-01"),
                                        ("infusion_date", "2101-01-01"), ("infusion_date", "1899-12-31")])
def test_the_schedule_tool_refuses_a_date_outside_the_range(api_as, field, day):
    status, answer = send(api_as("coordinator"), "post", "/api/v1/tools/schedule",
                          {"product": "yescarta", "indication": "lbcl", field: day})
    assert status == 422 and field in answer["errors"]


def test_the_schedule_tool_refuses_a_date_outside_the_range_in_french(api_as):
    status, answer = send(api_as("coordinator", "fr"), "post", "/api/v1/tools/schedule",
                          {"product": "yescarta", "indication": "lbcl", "infusion_date": "9999-12-31"})
    assert status == 422 and "entre 1900 et 2100" in answer["errors"]["infusion_date"][0]


def vitals(**overrides):
    fields = {"taken_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "temperature_c": "37.0",
              "heart_rate": "80", "systolic": "120", "diastolic": "70", "spo2": "98", "hypotension": "none",
              "oxygen": "none"}
    return {**fields, **overrides}


@pytest.mark.parametrize("taken_at, message", [("0001-01-01T00:00", "1900"), ("9999-12-31T23:59", "1900"),
                                               ("1950-01-01T08:00", "before the patient&#x27;s birth")])
def test_a_vital_sign_dated_out_of_range_or_before_birth_is_refused_beside_the_field(client_as, episode, taken_at,
                                                                                    message):
    response = client_as("wardnurse").post(f"/episodes/{episode.pk}/vitals/new/", vitals(taken_at=taken_at))
    assert response.status_code == 200 and message in response.content.decode()
    assert not VitalSigns.objects.exists()


DATE_FIELDS = ["taken_at", "assessed_at", "sampled_at", "given_at", "admitted_at", "discharged_at", "onset",
               "resolution", "consultation_on", "mri_on", "eeg_on", "infusion_date", "apheresis_date", "on",
               "planned", "received_on", "held_on", "deferred_until", "decided_on", "birth_date", "measured_on"]
EPISODE_FORMS = ["vitals/new/", "vitals/preview/", "neuro/new/", "neuro/preview/", "labs/new/", "treatments/new/",
                 "icu/new/", "adverse-events/new/", "checklist/", "plan/", "plan/preview/", "next/", "stop/"]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "31/12/9999"])
def test_extreme_dates_on_every_episode_form_are_never_a_server_error(client_as, episode, users, day):
    pathway_services.plan_schedule(actor=users["coordinator"], episode=episode, expected_version=None,
                                   apheresis_date=timezone.localdate() + dt.timedelta(days=10))
    client = client_as("coordinator")
    fields = {name: day if name.endswith("_on") or "date" in name or name in ("on", "planned", "onset",
                                                                              "resolution", "deferred_until")
              else f"{day}T12:00" for name in DATE_FIELDS}
    for form in EPISODE_FORMS:
        for who in ("coordinator", "wardnurse", "haematologist"):
            response = client_as(who).post(f"/episodes/{episode.pk}/{form}", fields)
            assert response.status_code < 500, form
    assert episode.milestones.exists()
    for milestone in episode.milestones.all()[:3]:
        for form in ("record/", "move/"):
            assert client.post(f"/milestones/{milestone.pk}/{form}", fields).status_code < 500


def test_a_birth_date_in_year_one_or_before_1900_is_refused(api_as, client_as, org):
    for day in ("0001-01-01", "1899-12-31"):
        status, answer = send(api_as("coordinator"), "post", "/api/v1/patients", patient_body(birth_date=day))
        assert status == 422 and "birth_date" in answer["errors"]
    response = client_as("coordinator").post("/patients/new/", {
        "treating_center": org["treating"].pk, "family_name": "Hostile", "given_names": "Input",
        "birth_date": "1899-12-31", "sex": "F"})
    assert response.status_code in (200, 422) and "1900" in response.content.decode()
    assert not Patient.objects.filter(given_names="Input").exists()


@pytest.mark.parametrize("day", ["0001-01-01", "1961-01-01"])
def test_a_consent_before_the_patients_birth_is_refused(api_as, patient, day):
    status, answer = send(api_as("coordinator"), "post", f"/api/v1/patients/{patient.pk}/consents",
                          {"kind": "registry", "status": "given", "decided_on": day})
    assert status == 422 and "decided_on" in answer["errors"]
    assert not Consent.objects.exists()


def test_a_consent_before_birth_is_refused_in_french(api_as, patient):
    status, answer = send(api_as("coordinator", "fr"), "post", f"/api/v1/patients/{patient.pk}/consents",
                          {"kind": "registry", "status": "given", "decided_on": "1961-01-01"})
    assert status == 422 and "avant la naissance" in answer["errors"]["decided_on"][0]


def referral_form(patient, **overrides):
    fields = {"from_center": Center.objects.filter(kind=Center.Kind.REFERRING).order_by("pk").first().pk,
              "from_physician_name": "Dr Test", "received_on": timezone.localdate().isoformat(), "diagnosis": "lbcl",
              "prior_lines": "2", "prior_transplant": "none", "current_status": "refractory"}
    return {**fields, **overrides}


@pytest.mark.parametrize("day", ["0001-01-01", "1961-01-01"])
def test_a_referral_before_the_patients_birth_is_refused(client_as, patient, day):
    response = client_as("coordinator").post(f"/patients/{patient.pk}/referrals/new/",
                                             referral_form(patient, received_on=day))
    assert response.status_code in (200, 422)
    assert not Referral.objects.exists()


# Letters ----------------------------------------------------------------------------------------------------

def post_letter(client, patient, name, content):
    return client.post(f"/patients/{patient.pk}/referrals/new/",
                       referral_form(patient, letter=SimpleUploadedFile(name, content)))


@pytest.mark.parametrize("name, content", [("letter.pdf", PDF), ("scan.png", PNG),
                                           ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 64)])
def test_a_pdf_or_an_image_is_kept_as_the_letter(client_as, patient, name, content):
    response = post_letter(client_as("coordinator"), patient, name, content)
    assert response.status_code == 302, response.content.decode()
    assert Referral.objects.get().letter.read() == content


def test_html_named_pdf_is_refused_as_a_letter(client_as, patient):
    response = post_letter(client_as("coordinator"), patient, "letter.pdf", b"<html><script>alert(1)</script>")
    assert response.status_code == 200 and "PDF" in response.content.decode()
    assert not Referral.objects.exists()


def test_a_letter_over_the_size_limit_is_refused(client_as, patient, settings):
    settings.CELLRELAY_MAX_LETTER_MB = 1
    response = post_letter(client_as("coordinator", "fr"), patient, "letter.pdf", PDF + b"0" * 1_100_000)
    assert response.status_code == 200 and "1 Mo" in response.content.decode()
    assert not Referral.objects.exists()


# Media type -------------------------------------------------------------------------------------------------

def test_a_text_body_is_not_read_as_json(api_as):
    status, answer = send(api_as("coordinator", "fr"), "post", "/api/v1/patients", json.dumps(patient_body()),
                          content_type="text/plain")
    assert status == 415 and "application/json" in answer["message"]
    assert not Patient.objects.filter(given_names="Input").exists()


def test_broken_json_is_a_400_that_says_so(api_as):
    status, answer = send(api_as("coordinator"), "post", "/api/v1/patients", "{not json")
    assert status == 400 and "JSON" in answer["message"]


# A little fuzzing of every write endpoint ---------------------------------------------------------------------

HOSTILE_VALUES = [10 ** 40, -(10 ** 40), 1e308, -1, "x" * 5000, ["a"], {"a": 1}, True, ""]


def write_endpoints(patient, tank, back):  # noqa: F811
    return [
        ("post", "/api/v1/patients", patient_body()),
        ("patch", f"/api/v1/patients/{patient.pk}", {"version": patient.version}),
        ("post", f"/api/v1/patients/{patient.pk}/consents", {"kind": "registry", "status": "given",
                                                             "decided_on": "2024-01-01"}),
        ("post", f"/api/v1/patients/{patient.pk}/contacts", {"kind": "other", "name": "A", "phone": "01"}),
        ("post", "/api/v1/tools/schedule", {"product": "yescarta", "indication": "lbcl",
                                             "infusion_date": "2026-12-10", "weight_kg": 70, "height_cm": 175}),
        ("post", "/api/v1/tools/crs-grade", {"temperature_c": 39, "hypotension": "none", "oxygen": "none"}),
        ("post", "/api/v1/tools/icans-grade", {"ice_score": 10}),
        ("post", "/api/v1/tools/ice-score", {}),
        ("post", "/api/v1/tools/isbt128", {"code": "=A99992612345600"}),
        ("post", f"/api/v1/products/{back.product_id}/status", {"status": "shipped"}),
        ("post", f"/api/v1/pharmacy/tanks/{tank.pk}/readings", {"ln2_level_percent": 50, "temperature_c": -190}),
        ("post", f"/api/v1/products/shipments/{back.pk}/temperature-log", {"csv": "timestamp,temperature_c\n"}),
        ("post", f"/api/v1/manufacturer/products/{back.product_id}/status", {"status": "shipped", "reason": ""}),
        ("post", "/api/v1/staff", {"username": "fuzz", "first_name": "F", "last_name": "Z", "role": "ward_nurse",
                                  "center_id": patient.treating_center_id, "password": "a long fuzzing password"}),
    ]


def test_hostile_values_on_every_write_endpoint_are_never_a_server_error(api_as, patient, tank, back):  # noqa: F811
    client = api_as("admin")
    clients = {"admin": client, "coordinator": api_as("coordinator"), "pharmacist": api_as("pharmacist"),
               "kite-system": api_as("kite-system")}
    failures = []
    for method, url, body in write_endpoints(patient, tank, back):
        for field in list(body) or ["anything"]:
            for value in HOSTILE_VALUES:
                for who in clients.values():
                    response = getattr(who, method)(url, data=json.dumps({**body, field: value}),
                                                    content_type="application/json")
                    if response.status_code >= 500:
                        failures.append((url, field, repr(value)[:20], response.status_code))
    for url in ("/api/v1/patients/-1", "/api/v1/pharmacy/tanks/-1/readings", "/api/v1/products/-5/status"):
        if client.post(url, data="{}", content_type="application/json").status_code >= 500:
            failures.append((url, "id", -1, 500))
    assert failures == []


def test_a_nul_byte_in_a_parameters_name_is_refused_not_a_server_error(client_as, api_as, patient):
    # Found by the fuzzer on PostgreSQL: the read journal keeps the query string, names included, and PostgreSQL
    # cannot store a NUL.
    assert client_as("coordinator").get("/patients/?Ga%00r=1").status_code == 422
    response = api_as("coordinator").get("/api/v1/patients?q=ma&%C2%BD%00=1")
    assert response.status_code == 422
    assert "cannot be stored" in response.json()["errors"]["__all__"][0]
