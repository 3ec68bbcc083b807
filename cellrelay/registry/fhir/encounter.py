"""Encounter: a follow-up visit that was done."""

from .systems import ACT_CODE, Local, concept, ref


def encounter(row: dict, local: Local) -> dict:
    return {
        "resourceType": "Encounter", "id": str(row["id"]), "status": "finished",
        "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "type": [concept(local.code("follow-up-timepoint"), row["code"])],
        "subject": ref("Patient", row["plan__episode__patient_id"]),
        "episodeOfCare": [ref("EpisodeOfCare", row["plan__episode_id"])],
        "period": {"start": row["done_on"], "end": row["done_on"]},
    }
