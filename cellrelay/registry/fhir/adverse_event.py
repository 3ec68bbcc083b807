"""AdverseEvent: the CTCAE-graded events of monitoring, their relation to the CAR-T product."""

from .systems import AE_SERIOUSNESS, AE_SEVERITY, Local, concept, ref

# R4 AdverseEvent.severity has three levels: CTCAE 1 mild, 2 moderate, 3 and above severe; the grade itself is kept
# in an extension.
SEVERITY = {1: "mild", 2: "moderate"}


def adverse_event(row: dict, infusion_bag_id: int | None, local: Local) -> dict:
    resource = {
        "resourceType": "AdverseEvent", "id": str(row["id"]),
        "extension": [{"url": local.extension("ctcae-grade"), "valueInteger": row["ctcae_grade"]}],
        "actuality": "actual", "event": {"text": row["term"]},
        "subject": ref("Patient", row["episode__patient_id"]), "date": row["onset"],
        "seriousness": concept(AE_SERIOUSNESS, "serious" if row["serious"] else "non-serious"),
        "severity": concept(AE_SEVERITY, SEVERITY.get(row["ctcae_grade"], "severe")),
    }
    if row["resolution"]:
        resource["outcome"] = concept("http://terminology.hl7.org/CodeSystem/adverse-event-outcome", "resolved")
    if infusion_bag_id is not None:  # R4: the suspect instance may be a Procedure, not a BiologicallyDerivedProduct
        resource["suspectEntity"] = [{
            "instance": ref("Procedure", f"infusion-{infusion_bag_id}"),
            "causality": [{"assessment": concept(local.code("relation-to-product"), row["relation"])}],
        }]
    return resource
