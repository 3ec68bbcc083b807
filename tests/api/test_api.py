"""The JSON API as a machine client sees it: bearer tokens, JSON errors, the same rules as the pages."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from cellrelay.journal.models import JournalEntry
from cellrelay.patients.models import Patient

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def patch(client, url, body):
    return client.patch(url, data=json.dumps(body), content_type="application/json")


def test_issue_token_prints_a_working_token(users, patient):
    out = StringIO()
    call_command("issue_token", "haematologist", stdout=out)
    token = out.getvalue().strip()
    response = Client().get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert [p["family_name"] for p in response.json()] == ["Garnier"]


def test_issue_token_for_an_unknown_user_fails(org):
    with pytest.raises(CommandError, match="No active user"):
        call_command("issue_token", "nobody")


def test_a_revoked_token_no_longer_opens_the_api(client_as, users, org):
    client = client_as("coordinator")
    page = client.post("/profile/", {"name": "lab robot"})
    token = page.context["new_token"]
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    token_row = users["coordinator"].api_tokens.get(name="lab robot")
    client.post(f"/profile/tokens/{token_row.pk}/revoke/")
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert list(JournalEntry.objects.filter(action__startswith="token.").values_list("action", flat=True)) == [
        "token.created", "token.revoked"]


def test_only_the_token_hash_is_stored(api_as, users):
    api_as("coordinator")
    stored = users["coordinator"].api_tokens.get()
    assert len(stored.key_hash) == 64 and not stored.key_hash.startswith("cr_")


def test_me_names_roles_and_actions(api_as):
    body = api_as("pharmacist").get("/api/v1/me").json()
    assert body["memberships"][0]["role"] == "pharmacist"
    assert "patient.view" in body["actions"] and "patient.edit" not in body["actions"]


def test_create_read_and_search_a_patient(api_as, org):
    client = api_as("coordinator")
    created = post(client, "/api/v1/patients", {
        "family_name": "Lemaire", "given_names": "Odile", "birth_date": "1958-02-11", "sex": "F",
        "ins": "2 58 02 63 113 001 49", "weight_kg": 64, "height_cm": 160, "ipp": "MC999",
    })
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["ins"] == "258026311300149" and body["body_surface_area_m2"] == 1.69
    assert body["local_ids"] == [{"center_id": org["treating"].pk, "ipp": "MC999"}]
    for query in ("lem", "258026311300149", "MC999"):
        assert [p["id"] for p in client.get("/api/v1/patients", {"q": query}).json()] == [body["id"]]
    reads = JournalEntry.objects.filter(action="patient.read").count()
    assert client.get(f"/api/v1/patients/{body['id']}").status_code == 200
    assert JournalEntry.objects.filter(action="patient.read").count() == reads + 1


def test_the_patient_list_comes_a_page_at_a_time_in_name_order(api_as, org, patient, referred_patient):
    client = api_as("coordinator")
    everyone = [p["id"] for p in client.get("/api/v1/patients").json()]
    assert len(everyone) == 2
    pages = [client.get("/api/v1/patients", {"limit": 1, "page": page}).json() for page in (1, 2, 3)]
    assert [p["id"] for page in pages for p in page] == everyone and pages[2] == []
    assert client.get("/api/v1/patients", {"limit": 0}).status_code == 422


@pytest.mark.parametrize("field, value, fragment", [
    ("ins", "258026311300199", "key"),
    ("birth_date", "2099-01-01", "future"),
    ("weight_kg", 0, "greater than or equal to 2"),
    ("weight_kg", 900, "less than or equal to 350"),
    ("sex", "X", "F"),
    ("birth_date", "not a date", "date"),
])
def test_bad_input_is_a_422_naming_the_field_and_saves_nothing(api_as, org, field, value, fragment):
    body = {"family_name": "Lemaire", "given_names": "Odile", "birth_date": "1958-02-11", "sex": "F",
            "ins": "258026311300149", field: value}
    before = Patient.objects.count()
    response = post(api_as("coordinator"), "/api/v1/patients", body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert fragment in " ".join(errors[field])
    assert Patient.objects.count() == before


def test_errors_come_in_the_callers_language(api_as, org):
    body = {"family_name": "Lemaire", "given_names": "Odile", "birth_date": "1958-02-11", "sex": "F",
            "ins": "258026311300199"}
    response = post(api_as("coordinator", language="fr"), "/api/v1/patients", body)
    assert response.status_code == 422
    assert "clé" in " ".join(response.json()["errors"]["ins"]).lower()


def test_a_stale_version_is_a_409(api_as, patient):
    client = api_as("coordinator")
    assert patch(client, f"/api/v1/patients/{patient.pk}", {"version": 1, "city": "Riom"}).status_code == 200
    stale = patch(client, f"/api/v1/patients/{patient.pk}", {"version": 1, "city": "Vichy"})
    assert stale.status_code == 409 and "someone else" in stale.json()["message"]
    patient.refresh_from_db()
    assert patient.city == "Riom"


def test_an_unknown_role_is_refused_with_its_name(api_as, org):
    response = post(api_as("admin"), "/api/v1/staff", {
        "username": "newbie", "first_name": "N", "last_name": "B", "center_id": org["treating"].pk,
        "role": "surgeon", "password": "a-long-enough-password-7"})
    assert response.status_code == 422
    assert "surgeon" in response.json()["errors"]["role"][0]


def test_the_openapi_spec_is_served(client):
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/patients" in spec["paths"]
    assert client.get("/api/docs").status_code == 200
