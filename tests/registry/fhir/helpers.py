"""Running an export in a test, and reading its files back."""

import importlib
from pathlib import Path

import orjson

from cellrelay.organisation.models import User
from cellrelay.registry.fhir.export import directory_of
from cellrelay.registry.fhir.params import RESOURCE_TYPES, ExportRequest
from cellrelay.registry.fhir.services import request_export
from cellrelay.registry.models import ExportJob
from cellrelay.registry.tasks import run_export


def exported(username: str = "research", *, level: str = ExportJob.Level.SYSTEM, group: str = "",
             types=RESOURCE_TYPES, since=None) -> ExportJob:
    """An export asked for by the user and run at once by its task's own code (as the worker runs it)."""
    job = request_export(actor=User.objects.get(username=username), level=level, group=group,
                         asked=ExportRequest(tuple(types), since), url="http://testserver/fhir/$export",
                         language="en")
    run_export.call(str(job.pk))
    job.refresh_from_db()
    return job


def resources_of(job: ExportJob) -> dict[str, list[dict]]:
    """Every file of the export, parsed: type → resources."""
    found = {}
    for item in job.output:
        lines = (directory_of(job.pk) / item["file"]).read_bytes().splitlines()
        found[item["type"]] = [orjson.loads(line) for line in lines]
        assert len(found[item["type"]]) == item["count"]
    return found


def references_in(value) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [ref for item in value.values() for ref in references_in(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in references_in(item)]
    return []


def r4b_model(resource_type: str):
    module = importlib.import_module(f"fhir.resources.R4B.{resource_type.lower()}")
    return getattr(module, resource_type)
