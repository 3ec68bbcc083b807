"""The Bulk Data protocol end to end on a live server, as a registry's client runs it: kick-off, polling (202 with
X-Progress while the export waits for the worker, then 200 with the manifest), the files with the same token, another
user's status URL, and the cancel with DELETE. The export runs in the real task queue: the test runs `db_worker
--batch` between two polls, so the 202 before the 200 is certain, not a race."""

import urllib.error
import urllib.request

import orjson
import pytest
from django.core.management import call_command

from cellrelay.organisation.models import Membership, User
from cellrelay.organisation.permissions import Role
from cellrelay.organisation.services import create_token
from cellrelay.patients.services import record_consent
from cellrelay.registry.fhir.export import directory_of
from cellrelay.registry.models import ExportJob
from tests.conftest import open_episode
from tests.monitoring.test_services import infused

pytestmark = pytest.mark.django_db(transaction=True)


def call(url: str, token: str | None, method: str = "GET", **headers) -> tuple[int, dict, bytes]:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def token_of(user) -> str:
    return create_token(actor=None, user=user, name="registry client")[1]


@pytest.fixture
def consenting_patient(org, patient, users):
    record_consent(actor=users["coordinator"], patient=patient, kind="registry", status="given",
                   decided_on=patient.created_at.date())
    infused(open_episode(org, patient), users)
    return patient


@pytest.fixture
def exports(settings, tmp_path):
    settings.CELLRELAY_EXPORT_DIR = tmp_path / "exports"


def test_kick_off_poll_manifest_download_and_cancel(live_server, org, users, consenting_patient, exports):
    token = token_of(users["research"])
    kick_off = f"{live_server.url}/fhir/Group/descart/$export?_type=Patient,EpisodeOfCare,Condition"
    status, headers, _body = call(kick_off, token, Accept="application/fhir+json", Prefer="respond-async")
    assert status == 202
    status_url = headers["Content-Location"]
    assert status_url.startswith(f"{live_server.url}/fhir/exports/")

    status, headers, _body = call(status_url, token)
    assert status == 202 and headers["X-Progress"] == "queued" and headers["Retry-After"]

    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)

    status, headers, body = call(status_url, token)
    assert status == 200 and headers["Content-Type"] == "application/json"
    manifest = orjson.loads(body)
    assert manifest["request"] == kick_off and manifest["requiresAccessToken"] is True
    assert manifest["transactionTime"] and manifest["error"] == []
    assert {item["type"]: item["count"] for item in manifest["output"]} == {
        "Patient": 1, "Condition": 1, "EpisodeOfCare": 1}

    for item in manifest["output"]:
        status, headers, body = call(item["url"], token, Accept="application/fhir+ndjson")
        assert status == 200 and headers["Content-Type"] == "application/fhir+ndjson"
        lines = [orjson.loads(line) for line in body.splitlines()]
        assert len(lines) == item["count"] and {line["resourceType"] for line in lines} == {item["type"]}
    patient_file = next(item["url"] for item in manifest["output"] if item["type"] == "Patient")
    assert call(patient_file, None)[0] == 401
    assert orjson.loads(call(patient_file, token)[2])["id"] == str(consenting_patient.pk)

    # Another research assistant of the same center: the export is not theirs.
    colleague = User.objects.create_user("research2", password="x" * 12)
    Membership.objects.create(user=colleague, center=org["treating"], role=Role.RESEARCH_ASSISTANT)
    other = token_of(colleague)
    for url in (status_url, patient_file):
        status, headers, body = call(url, other)
        assert status == 404 and orjson.loads(body)["resourceType"] == "OperationOutcome"
    assert call(status_url, other, method="DELETE")[0] == 404

    job = ExportJob.objects.get()
    assert directory_of(job.pk).exists()
    assert call(status_url, token, method="DELETE")[0] == 202
    assert call(status_url, token)[0] == 404
    assert call(patient_file, token)[0] == 404
    assert not directory_of(job.pk).exists()


def test_an_export_cancelled_before_the_worker_runs_writes_nothing(live_server, users, consenting_patient, exports):
    token = token_of(users["research"])
    _status, headers, _body = call(f"{live_server.url}/fhir/$export", token, Prefer="respond-async")
    assert call(headers["Content-Location"], token, method="DELETE")[0] == 202
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.CANCELLED and not directory_of(job.pk).exists()
