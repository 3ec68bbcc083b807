"""The kick-off's bad input answers a 400 OperationOutcome saying why, in the caller's language, and starts nothing;
who may export; the CapabilityStatement and the Groups."""

import datetime as dt

import pytest
from django.test import Client

from cellrelay.organisation.services import create_token
from cellrelay.registry.fhir.params import RESOURCE_TYPES
from cellrelay.registry.models import ExportJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def research(users):
    return Client(HTTP_AUTHORIZATION=f"Bearer {create_token(actor=None, user=users['research'], name='t')[1]}")


def issue(response) -> str:
    assert response["Content-Type"] == "application/fhir+json"
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return body["issue"][0]["diagnostics"]


ASYNC = {"HTTP_PREFER": "respond-async", "HTTP_ACCEPT": "application/fhir+json"}


@pytest.mark.parametrize(("query", "headers", "reason"), [
    ("", {"HTTP_ACCEPT": "application/fhir+json"}, 'the header "Prefer: respond-async"'),
    ("?_type=Patient,Medication", ASYNC, "Unknown resource type in _type: Medication."),
    ("?_type=", ASYNC, None),  # empty: every type (no 400)
    ("?_since=2026-13-01T00:00:00Z", ASYNC, "_since is not a FHIR instant"),
    ("?_since=2026-01-01", ASYNC, "_since is not a FHIR instant"),
    ("?_since=2026-01-01T10:00:00", ASYNC, "_since is not a FHIR instant"),  # an instant has its time zone
    ("?_outputFormat=text/csv", ASYNC, "Unsupported _outputFormat text/csv"),
    ("", {**ASYNC, "HTTP_ACCEPT": "text/html"}, "Accept: application/fhir+json"),
])
def test_bad_kick_off_answers_400_with_the_reason_and_starts_nothing(research, query, headers, reason):
    response = research.get(f"/fhir/Patient/$export{query}", **headers)
    if reason is None:
        assert response.status_code == 202
        return
    assert response.status_code == 400
    assert reason in issue(response)
    assert not ExportJob.objects.exists()


def test_the_reason_is_in_french_for_a_french_client(research):
    response = research.get("/fhir/$export?_type=Patient,Foo", HTTP_ACCEPT_LANGUAGE="fr", **ASYNC)
    assert response.status_code == 400
    assert "Type de ressource inconnu dans _type : Foo." in issue(response)


def test_a_good_kick_off_records_what_was_asked(research, users):
    response = research.get("/fhir/Group/ebmt/$export?_type=Observation,Patient&_since=2026-01-01T10:00:00%2B01:00",
                            **ASYNC)
    assert response.status_code == 202
    job = ExportJob.objects.get()
    assert (job.requested_by, job.level, job.group, job.types) == (users["research"], "group", "ebmt",
                                                                   ["Patient", "Observation"])
    assert job.since == dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
    assert response["Content-Location"] == f"http://testserver/fhir/exports/{job.pk}"


def test_only_a_role_with_the_export_action_may_export(users):
    assert Client().get("/fhir/$export", **ASYNC).status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer nonsense").get("/fhir/$export", **ASYNC).status_code == 401
    haematologist = create_token(actor=None, user=users["haematologist"], name="t")[1]
    response = Client(HTTP_AUTHORIZATION=f"Bearer {haematologist}").get("/fhir/$export", **ASYNC)
    assert response.status_code == 403 and issue(response)
    signed_in = Client()
    signed_in.force_login(users["research"])
    assert signed_in.get("/fhir/$export", **ASYNC).status_code == 401, "bearer tokens only: no session"
    assert not ExportJob.objects.exists()


def test_an_unknown_group_is_404(research):
    assert research.get("/fhir/Group/nowhere/$export", **ASYNC).status_code == 404
    assert research.get("/fhir/Group/nowhere").status_code == 404


def test_a_group_is_a_registry_destination(research, patient, users):
    from cellrelay.patients.services import record_consent

    assert research.get("/fhir/Group/ebmt").json()["quantity"] == 0
    record_consent(actor=users["coordinator"], patient=patient, kind="registry", status="given",
                   decided_on=patient.created_at.date())
    group = research.get("/fhir/Group/descart").json()
    assert (group["resourceType"], group["id"], group["type"], group["quantity"]) == ("Group", "descart", "person", 1)
    assert research.get("/fhir/Group/ebmt").json()["quantity"] == 0, "EBMT needs data sharing too"


def test_the_capability_statement_names_the_operations_and_resources():
    response = Client().get("/fhir/metadata")
    statement = response.json()
    assert response["Content-Type"] == "application/fhir+json"
    assert (statement["resourceType"], statement["fhirVersion"], statement["format"]) == (
        "CapabilityStatement", "4.0.1", ["application/fhir+json"])
    rest = statement["rest"][0]
    assert rest["operation"][0]["name"] == "export"
    assert {r["type"] for r in rest["resource"]} == set(RESOURCE_TYPES) | {"Group"}
    from fhir.resources.R4B.capabilitystatement import CapabilityStatement

    CapabilityStatement.model_validate(statement)
