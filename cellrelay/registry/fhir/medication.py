"""MedicationAdministration: the lymphodepletion drugs of each day done, and the treatments given during
monitoring (tocilizumab, corticosteroids, anakinra, others)."""

from .systems import Local, concept, quantity, ref


def lymphodepletion(row: dict, local: Local) -> list[dict]:
    """One administration per drug of a lymphodepletion day recorded as done (pathway milestone)."""
    given = []
    for n, drug in enumerate(row["drugs"], start=1):
        resource = {
            "resourceType": "MedicationAdministration", "id": f"ld-{row['id']}-{n}", "status": "completed",
            "category": concept(local.code("administration"), "lymphodepletion"),
            "medicationCodeableConcept": concept(local.code("drug"), drug["drug"], text=drug["drug"]),
            "subject": ref("Patient", row["episode__patient_id"]),
            "context": ref("EpisodeOfCare", row["episode_id"]), "effectiveDateTime": row["actual"],
        }
        dose = drug.get("dose_mg")
        if dose is not None:
            resource["dosage"] = {"dose": quantity(dose, "mg")}
        given.append(resource)
    return given


def intervention(row: dict, local: Local) -> dict:
    name = row["drug"] or row["kind"]
    return {
        "resourceType": "MedicationAdministration", "id": f"intervention-{row['id']}", "status": "completed",
        "category": concept(local.code("administration"), row["kind"]),
        "medicationCodeableConcept": concept(local.code("drug"), row["kind"], text=name),
        "subject": ref("Patient", row["episode__patient_id"]),
        "context": ref("EpisodeOfCare", row["episode_id"]), "effectiveDateTime": row["given_at"],
        "dosage": {"route": {"text": row["route"]}, "dose": quantity(row["dose_mg"], "mg")},
    }
