"""Condition: the diagnosis of each referral (the indication for CAR-T)."""

from .systems import CONDITION_CLINICAL, CONDITION_VERIFICATION, Local, concept, ref


def condition(row: dict, local: Local) -> dict:
    text = row["diagnosis_detail"] or None
    resource = {
        "resourceType": "Condition", "id": str(row["id"]),
        "clinicalStatus": concept(CONDITION_CLINICAL, "active"),
        "verificationStatus": concept(CONDITION_VERIFICATION, "confirmed"),
        "category": [concept("http://terminology.hl7.org/CodeSystem/condition-category", "encounter-diagnosis")],
        "code": concept(local.code("diagnosis"), row["diagnosis"], text=text),
        "subject": ref("Patient", row["patient_id"]), "recordedDate": row["received_on"],
    }
    if row["disease_stage"]:
        resource["stage"] = [{"summary": {"text": row["disease_stage"]}}]
    return resource
