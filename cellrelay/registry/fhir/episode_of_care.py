"""EpisodeOfCare: one treatment episode, from the RCP's approval to its closure or stop."""

from .systems import Local, concept, ref

FINISHED = {"closed", "stopped"}


def episode_of_care(row: dict, local: Local) -> dict:
    status = "cancelled" if row["state"] == "stopped" and not row["infused"] else (
        "finished" if row["state"] in FINISHED else "active")
    period = {"start": row["opened_at"]}
    if row["stopped_on"]:
        period["end"] = row["stopped_on"]
    return {
        "resourceType": "EpisodeOfCare", "id": str(row["id"]), "status": status,
        "type": [concept(local.code("product"), row["template__product"]),
                 concept(local.code("indication"), row["template__indication"])],
        "diagnosis": [{"condition": ref("Condition", row["decision__referral_id"]), "rank": 1}],
        "patient": ref("Patient", row["patient_id"]), "period": period,
    }
