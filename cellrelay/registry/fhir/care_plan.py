"""CarePlan: the follow-up plan made at the infusion, its visits as activities (each done one's Encounter)."""

from .systems import Local, concept, ref

VISIT_STATUS = {"planned": "scheduled", "done": "completed", "missed": "not-started", "declined": "cancelled",
                "lost": "stopped", "ended": "cancelled"}


def care_plan(row: dict, visits: list[dict], local: Local) -> dict:
    activities = []
    for visit in visits:
        activity = {"detail": {
            "kind": "Appointment", "code": concept(local.code("follow-up-timepoint"), visit["code"]),
            "status": VISIT_STATUS[visit["status"]],
            "scheduledPeriod": {"start": visit["earliest"], "end": visit["latest"]},
        }}
        if visit["status"] == "done":
            activity["outcomeReference"] = [ref("Encounter", visit["id"])]
        activities.append(activity)
    resource = {
        "resourceType": "CarePlan", "id": str(row["id"]), "status": "active", "intent": "plan",
        "category": [concept(local.code("care-plan"), "car-t-follow-up")],
        "title": "CAR-T long-term follow-up", "subject": ref("Patient", row["episode__patient_id"]),
        "period": {"start": row["d0"]}, "created": row["created_at"],
    }
    if activities:
        resource["activity"] = activities
    return resource
