"""The FHIR Bulk Data endpoints (HL7 Bulk Data Access IG, FHIR R4 4.0.1), under /fhir/.

Plain Django views, not ninja: FHIR answers ``application/fhir+json`` resources and OperationOutcomes, not the API's
schemas. They authenticate with the API's bearer tokens through the same code (``organisation.services
.user_for_token``), take no session (hence no CSRF check on DELETE: no cookie is read), and need the export action
(``Action.EXPORT_DATA``: the research assistant's role); the patients are the requester's center's
(``patients.access.patients_for``), gated by consent (``registry.consent``). An export, its status and its files
belong to the user who asked for it: anyone else's id answers 404.
"""

from functools import wraps

import orjson
from django.http import FileResponse, Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cellrelay.organisation import services as organisation_services
from cellrelay.organisation.access import can
from cellrelay.organisation.permissions import Action
from cellrelay.patients.access import patients_for

from .consent import allowed_patients
from .destinations import DESTINATIONS
from .fhir import params
from .fhir.export import directory_of
from .fhir.params import RESOURCE_TYPES
from .fhir.services import cancel_export, request_export
from .fhir.writer import file_name
from .models import ExportJob

FHIR_JSON = "application/fhir+json"
FHIR_NDJSON = "application/fhir+ndjson"
FHIR_VERSION = "4.0.1"
BULK_DATA = "http://hl7.org/fhir/uv/bulkdata"
RETRY_AFTER_SECONDS = 2
ACCEPTED_TYPES = (FHIR_JSON, "application/json", "*/*", "application/*")


def fhir_response(resource: dict, status: int = 200, content_type: str = FHIR_JSON) -> HttpResponse:
    return HttpResponse(orjson.dumps(resource), status=status, content_type=content_type)


def outcome(status: int, code: str, message: str) -> HttpResponse:
    """An OperationOutcome with one error (FHIR R4 issue-type ``code``), its text in the caller's language."""
    return fhir_response({"resourceType": "OperationOutcome",
                          "issue": [{"severity": "error", "code": code, "diagnostics": message}]}, status)


def not_found() -> HttpResponse:
    return outcome(404, "not-found", _("No such export, or not one of yours."))


def bearer_token(request) -> str | None:
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def fhir_user(view):
    """The user behind the bearer token, allowed to export data; a 401 or 403 OperationOutcome otherwise."""

    @wraps(view)
    def authenticated(request, *args, **kwargs):
        token = bearer_token(request)
        if token is None:
            response = outcome(401, "login", _("Send an API token: Authorization: Bearer <token>."))
            response["WWW-Authenticate"] = "Bearer"
            return response
        try:
            user = organisation_services.user_for_token(token)
        except organisation_services.TokenExpired as expired:
            return outcome(401, "login", expired.message())
        if user is None:
            return outcome(401, "login", _("This API token is not valid."))
        if not can(user, Action.EXPORT_DATA):
            return outcome(403, "forbidden", _("Your role does not allow exporting data."))
        request.user = user
        return view(request, *args, **kwargs)

    return csrf_exempt(authenticated)


def accepts_fhir_json(request) -> bool:
    """Bulk Data IG: the kick-off's Accept "Currently, only application/fhir+json is supported"; when it is omitted the
    server "MAY process the request as if application/fhir+json was supplied", as this one does."""
    accept = request.headers.get("Accept", "")
    return not accept or any(part.split(";")[0].strip() in ACCEPTED_TYPES for part in accept.split(","))


def kick_off(request, level: str, group: str = ""):
    if not accepts_fhir_json(request):
        return outcome(400, "not-supported", _("Ask with \"Accept: application/fhir+json\"."))
    try:
        asked = params.parse({name: request.GET.get(name) for name in ("_type", "_since", "_outputFormat")},
                             prefer=request.headers.get("Prefer", ""))
    except params.BadRequest as problem:
        return outcome(400, "invalid", _(problem.message) % problem.values if problem.values else _(problem.message))
    job = request_export(actor=request.user, level=level, group=group, asked=asked,
                         url=request.build_absolute_uri(), language=get_language() or "en")
    response = HttpResponse(status=202)
    response["Content-Location"] = request.build_absolute_uri(reverse("registry:fhir_export_status", args=[job.pk]))
    return response


@require_http_methods(["GET"])
@fhir_user
def system_export(request):
    return kick_off(request, ExportJob.Level.SYSTEM)


@require_http_methods(["GET"])
@fhir_user
def patient_export(request):
    return kick_off(request, ExportJob.Level.PATIENT)


@require_http_methods(["GET"])
@fhir_user
def group_export(request, group_id: str):
    if group_id not in DESTINATIONS:
        return outcome(404, "not-found", _("No group %(group)s: the groups are the registry destinations (%(known)s).")
                       % {"group": group_id[:40], "known": ", ".join(DESTINATIONS)})
    return kick_off(request, ExportJob.Level.GROUP, group_id)


@require_http_methods(["GET"])
@fhir_user
def group(request, group_id: str):
    """A registry destination as a Group: its name and how many of the user's center's patients it may receive
    (their consents given). Its members are not listed: the Group's export is how they are read (and journaled)."""
    destination = DESTINATIONS.get(group_id)
    if destination is None:
        return outcome(404, "not-found", _("No group %(group)s: the groups are the registry destinations (%(known)s).")
                       % {"group": group_id[:40], "known": ", ".join(DESTINATIONS)})
    members = allowed_patients(group_id, patients_for(request.user, Action.EXPORT_DATA)).count()
    return fhir_response({"resourceType": "Group", "id": group_id, "type": "person", "actual": True,
                          "name": _(destination.name), "quantity": members})


def own_job(request, job_id) -> ExportJob:
    job = ExportJob.objects.filter(pk=job_id, requested_by=request.user).exclude(
        status=ExportJob.Status.CANCELLED).first()
    if job is None:
        raise Http404
    return job


def manifest(request, job: ExportJob) -> dict:
    """Bulk Data IG, "Response - Complete Status"."""
    return {
        "transactionTime": job.transaction_time.isoformat(), "request": job.request_url,
        "requiresAccessToken": True,
        "output": [{"type": item["type"], "count": item["count"], "url": request.build_absolute_uri(
            reverse("registry:fhir_export_file", args=[job.pk, item["file"]]))} for item in job.output],
        "error": [],
    }


@require_http_methods(["GET", "DELETE"])
@fhir_user
def export_status(request, job_id):
    try:
        job = own_job(request, job_id)
    except Http404:
        return not_found()
    if request.method == "DELETE":
        cancel_export(actor=request.user, job=job)
        return HttpResponse(status=202)
    if job.status in (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING):
        response = HttpResponse(status=202)
        response["X-Progress"] = (_("%(done)s of %(total)s patients") % {"done": job.patients_done,
                                                                          "total": job.patients_total}
                                  if job.status == ExportJob.Status.RUNNING else _("queued"))
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if job.status == ExportJob.Status.FAILED:
        return outcome(500, "exception", _("The export failed: %(error)s") % {"error": job.error})
    return HttpResponse(orjson.dumps(manifest(request, job)), content_type="application/json")


@require_http_methods(["GET"])
@fhir_user
def export_file(request, job_id, name: str):
    try:
        job = own_job(request, job_id)
    except Http404:
        return not_found()
    if job.status != ExportJob.Status.DONE or name not in {item["file"] for item in job.output}:
        return outcome(404, "not-found", _("No such file in this export."))
    return FileResponse(open(directory_of(job.pk) / name, "rb"), content_type=FHIR_NDJSON)


def capability_statement(request) -> dict:
    bulk = {"name": "export", "definition": f"{BULK_DATA}/OperationDefinition/export"}
    resources = [{"type": name} for name in RESOURCE_TYPES if name != "Patient"]
    resources.append({"type": "Patient", "operation": [
        {"name": "export", "definition": f"{BULK_DATA}/OperationDefinition/patient-export"}]})
    resources.append({"type": "Group", "interaction": [{"code": "read"}], "operation": [
        {"name": "export", "definition": f"{BULK_DATA}/OperationDefinition/group-export"}]})
    return {
        "resourceType": "CapabilityStatement", "status": "active", "date": "2026-12-01", "kind": "instance",
        "instantiates": [f"{BULK_DATA}/CapabilityStatement/bulk-data"],
        "software": {"name": "cellrelay"},
        "implementation": {"description": "cellrelay FHIR Bulk Data export", "url": request.build_absolute_uri(
            reverse("registry:fhir_metadata")).removesuffix("/metadata")},
        "fhirVersion": FHIR_VERSION, "format": [FHIR_JSON], "rest": [{
            "mode": "server",
            "security": {"description": "Authorization: Bearer <API token> of a user allowed to export data"},
            "resource": resources, "operation": [bulk],
        }],
    }


@require_http_methods(["GET"])
def metadata(request):
    """The CapabilityStatement: public, as FHIR servers' /metadata are (it names no patient)."""
    return fhir_response(capability_statement(request))
