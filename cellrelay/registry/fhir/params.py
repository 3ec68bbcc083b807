"""The kick-off request's parameters (HL7 Bulk Data Access IG, "Bulk Data Kick-off Request"). No Django.

Each problem is a ``BadRequest`` whose message is marked for translation and filled with what was wrong: the view
turns it into the OperationOutcome of a 400.
"""

import datetime as dt
import re
from dataclasses import dataclass

from cellrelay.textmarks import gettext_noop

# The resource types this server exports, in the order their files are listed in the manifest.
RESOURCE_TYPES = (
    "Patient", "Consent", "Condition", "EpisodeOfCare", "CarePlan", "Encounter", "Procedure",
    "BiologicallyDerivedProduct", "MedicationAdministration", "Observation", "AdverseEvent",
)
# Bulk Data IG: "_outputFormat … servers SHALL support Newline Delimited JSON … application/fhir+ndjson",
# with "application/ndjson" and "ndjson" as abbreviations.
OUTPUT_FORMATS = ("application/fhir+ndjson", "application/ndjson", "ndjson")
# FHIR R4 datatypes: instant = "YYYY-MM-DDThh:mm:ss.sss+zz:zz", the time zone required.
INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


class BadRequest(Exception):
    def __init__(self, message: str, **values):
        super().__init__(message)
        self.message = message
        self.values = values


@dataclass(frozen=True)
class ExportRequest:
    types: tuple[str, ...]
    since: dt.datetime | None


def wants_async(prefer: str) -> bool:
    """Bulk Data IG: the kick-off "Prefer: respond-async" header is required (RFC 7240: a list of preferences)."""
    return any(part.split("=")[0].strip().lower() == "respond-async" for part in prefer.split(","))


def parse_types(value: str | None) -> tuple[str, ...]:
    if not value:
        return RESOURCE_TYPES
    asked = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in asked if name not in RESOURCE_TYPES]
    if unknown or not asked:
        raise BadRequest(gettext_noop("Unknown resource type in _type: %(types)s. This server exports: %(known)s."),
                         types=", ".join(unknown) or value, known=", ".join(RESOURCE_TYPES))
    return tuple(name for name in RESOURCE_TYPES if name in asked)


def parse_since(value: str | None) -> dt.datetime | None:
    if value is None or value == "":
        return None
    # A "+hh:mm" offset left unencoded in the query string arrives as a space.
    candidate = re.sub(r" (\d{2}:\d{2})$", r"+\1", value.strip())
    try:
        if not INSTANT.match(candidate):
            raise ValueError(candidate)
        return dt.datetime.fromisoformat(candidate.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(gettext_noop("_since is not a FHIR instant (e.g. 2026-01-31T08:00:00+01:00): %(value)s"),
                         value=value[:60]) from None


def parse_output_format(value: str | None) -> None:
    if value and value not in OUTPUT_FORMATS:
        raise BadRequest(gettext_noop("Unsupported _outputFormat %(value)s: this server writes %(known)s."),
                         value=value[:60], known="application/fhir+ndjson")


def parse(query: dict[str, str | None], *, prefer: str) -> ExportRequest:
    """The export asked for by the kick-off's ``Prefer`` header and query parameters ``_type``, ``_since`` and
    ``_outputFormat``."""
    if not wants_async(prefer):
        raise BadRequest(gettext_noop("A bulk export must be asked for with the header \"Prefer: respond-async\"."))
    parse_output_format(query.get("_outputFormat"))
    return ExportRequest(types=parse_types(query.get("_type")), since=parse_since(query.get("_since")))
