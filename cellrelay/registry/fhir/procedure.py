"""Procedure: the apheresis (a cell collection) and each bag's infusion, which names the product it gave."""

from .systems import SNOMED, Local, concept, ref


def apheresis(row: dict, local: Local) -> dict:
    return {
        "resourceType": "Procedure", "id": f"apheresis-{row['id']}", "status": "completed",
        # SNOMED CT 127788007 "Apheresis (procedure)".
        "code": concept(SNOMED, "127788007", "Apheresis", text="Apheresis (CAR-T starting material)"),
        "subject": ref("Patient", row["episode__patient_id"]), "performedDateTime": row["collected_at"],
    }


def infusion(row: dict, local: Local) -> dict:
    """R4's Procedure.usedReference cannot name a BiologicallyDerivedProduct (Device, Medication, Substance only):
    the product is named by an extension, as registry.md's FHIR mapping allows."""
    performed = {"start": row["infusion_started_at"]}
    if row["infusion_ended_at"]:
        performed["end"] = row["infusion_ended_at"]
    return {
        "resourceType": "Procedure", "id": f"infusion-{row['id']}",
        "extension": [{"url": local.extension("infused-product"),
                       "valueReference": ref("BiologicallyDerivedProduct", row["product_id"])}],
        "status": "completed" if row["infusion_ended_at"] else "in-progress",
        "code": concept(local.code("procedure"), "car-t-infusion", text=f"CAR-T infusion, bag {row['number']}"),
        "subject": ref("Patient", row["product__episode__patient_id"]), "performedPeriod": performed,
    }
