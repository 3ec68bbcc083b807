"""The URIs that name identifier systems and code systems in the export, and the helpers every builder shares.

Public systems where one exists: the French INS (ANS: INS-NIR OID 1.2.250.1.213.1.4.8), LOINC, UCUM, SNOMED CT and
HL7's terminology; ISBT 128's identifiers under ICCBBA's URI space (https://www.isbt128.org/uri/, the root the FHIR
BiologicallyDerivedProduct code systems cite). Everything local (IPPs, codes of our own) under the site's base URL,
``CELLRELAY_FHIR_SYSTEM_BASE``: a site sets it to a URL it controls.
"""

from dataclasses import dataclass

from django.conf import settings

INS = "urn:oid:1.2.250.1.213.1.4.8"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
CONSENT_CATEGORY = "http://loinc.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
AE_SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
AE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
ISBT128_DIN = "https://www.isbt128.org/uri/DIN"
ISBT128_CHAIN_OF_IDENTITY = "https://www.isbt128.org/uri/ChainOfIdentity"


@dataclass(frozen=True)
class Local:
    """The site's own systems, read from the settings once per export."""

    base: str

    def ipp(self, center_id: int) -> str:
        return f"{self.base}/sid/center/{center_id}/ipp"

    def code(self, name: str) -> str:
        return f"{self.base}/CodeSystem/{name}"

    def sid(self, name: str) -> str:
        return f"{self.base}/sid/{name}"

    def extension(self, name: str) -> str:
        return f"{self.base}/StructureDefinition/{name}"


def local() -> Local:
    return Local(settings.CELLRELAY_FHIR_SYSTEM_BASE.rstrip("/"))


def ref(resource_type: str, resource_id) -> dict:
    return {"reference": f"{resource_type}/{resource_id}"}


def concept(system: str, code: str, display: str | None = None, text: str | None = None) -> dict:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    result = {"coding": [coding]}
    if text:
        result["text"] = text
    return result


def quantity(value, unit: str, code: str | None = None) -> dict:
    return {"value": float(value), "unit": unit, "system": UCUM, "code": code or unit}
