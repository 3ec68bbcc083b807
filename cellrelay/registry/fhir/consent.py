"""Consent: the latest decision of each kind (registry reporting, data sharing, trial, research)."""

from .systems import CONSENT_CATEGORY, CONSENT_SCOPE, Local, concept, ref

STATUS = {"given": "active", "refused": "rejected", "withdrawn": "inactive"}
# What each kind consents to: research use, or the sharing of the patient's data (privacy consent).
SCOPE = {"research": "research", "trial": "research", "registry": "patient-privacy", "data_sharing": "patient-privacy"}


def consent(row: dict, local: Local) -> dict:
    return {
        "resourceType": "Consent", "id": str(row["id"]), "status": STATUS[row["status"]],
        "scope": concept(CONSENT_SCOPE, SCOPE[row["kind"]]),
        # LOINC 59284-0 "Consent Document"; the kind in our own words.
        "category": [concept(CONSENT_CATEGORY, "59284-0", "Consent Document"),
                     concept(local.code("consent-kind"), row["kind"])],
        "patient": ref("Patient", row["patient_id"]), "dateTime": row["decided_on"],
        "policyRule": concept(local.code("consent-kind"), row["kind"]),
        "provision": {"type": "permit" if row["status"] == "given" else "deny"},
    }
