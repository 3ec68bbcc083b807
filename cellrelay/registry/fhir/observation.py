"""Observation: vital signs, laboratory values, ICE scores, confirmed CRS and ICANS grades (ASTCT), disease
responses. One Observation per measured value (the FHIR vital-signs pattern), blood pressure as one with its two
components."""

from .systems import LOINC, OBSERVATION_CATEGORY, Local, concept, quantity, ref

VITAL_SIGNS = (  # field, LOINC code and display, UCUM unit
    ("temperature_c", "8310-5", "Body temperature", "Cel"),
    ("heart_rate", "8867-4", "Heart rate", "/min"),
    ("spo2", "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%"),
)
LABS = (
    ("crp_mg_l", "1988-5", "C reactive protein [Mass/volume] in Serum or Plasma", "mg/L"),
    ("ferritin_ng_ml", "2276-4", "Ferritin [Mass/volume] in Serum or Plasma", "ng/mL"),
    ("anc_g_l", "751-8", "Neutrophils [#/volume] in Blood by Automated count", "10*9/L"),
    ("haemoglobin_g_dl", "718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL"),
    ("platelets_g_l", "777-3", "Platelets [#/volume] in Blood by Automated count", "10*9/L"),
    ("fibrinogen_g_l", "3255-7", "Fibrinogen [Mass/volume] in Platelet poor plasma by Coagulation assay", "g/L"),
    ("ldh_u_l", "2532-0", "Lactate dehydrogenase [Enzymatic activity/volume] in Serum or Plasma", "U/L"),
    ("creatinine_umol_l", "14682-9", "Creatinine [Moles/volume] in Serum or Plasma", "umol/L"),
)
VITAL_FIELDS = tuple(field for field, *_rest in VITAL_SIGNS) + ("systolic", "diastolic")
LAB_FIELDS = tuple(field for field, *_rest in LABS)


def _category(code: str) -> list[dict]:
    return [concept(OBSERVATION_CATEGORY, code)]


def _base(resource_id: str, category: str, code: dict, row: dict, effective) -> dict:
    return {"resourceType": "Observation", "id": resource_id, "status": "final", "category": _category(category),
            "code": code, "subject": ref("Patient", row["episode__patient_id"]), "effectiveDateTime": effective}


def vital_signs(row: dict, local: Local) -> list[dict]:
    found = []
    for field, loinc, display, unit in VITAL_SIGNS:
        if row[field] is not None:
            observation = _base(f"vs-{row['id']}-{loinc}", "vital-signs", concept(LOINC, loinc, display), row,
                                row["taken_at"])
            observation["valueQuantity"] = quantity(row[field], unit)
            found.append(observation)
    if row["systolic"] is not None and row["diastolic"] is not None:
        observation = _base(f"vs-{row['id']}-85354-9", "vital-signs", concept(LOINC, "85354-9", "Blood pressure panel"),
                            row, row["taken_at"])
        observation["component"] = [
            {"code": concept(LOINC, "8480-6", "Systolic blood pressure"), "valueQuantity": quantity(row["systolic"], "mm[Hg]")},
            {"code": concept(LOINC, "8462-4", "Diastolic blood pressure"),
             "valueQuantity": quantity(row["diastolic"], "mm[Hg]")},
        ]
        found.append(observation)
    return found


def labs(row: dict, local: Local) -> list[dict]:
    found = []
    for field, loinc, display, unit in LABS:
        if row[field] is not None:
            observation = _base(f"lab-{row['id']}-{loinc}", "laboratory", concept(LOINC, loinc, display), row,
                                row["sampled_at"])
            observation["valueQuantity"] = quantity(row[field], unit)
            found.append(observation)
    return found


def ice_score(row: dict, local: Local) -> dict | None:
    """The ICE (or, for a young child, CAPD) score of a neurological assessment."""
    scale, score = ("ice", row["ice_score"]) if row["ice_score"] is not None else ("capd", row["capd_score"])
    if score is None:
        return None
    observation = _base(f"neuro-{row['id']}", "survey", concept(local.code("neuro-score"), scale, scale.upper()),
                        row, row["assessed_at"])
    observation["valueInteger"] = score
    return observation


def grade(row: dict, local: Local) -> dict:
    """A physician's confirmed ASTCT grade of CRS or ICANS."""
    observation = _base(f"grade-{row['id']}", "exam",
                        concept(local.code("astct-grade"), row["scale"], f"{row['scale'].upper()} grade (ASTCT 2019)"),
                        row, row["observed_at"])
    observation["valueInteger"] = row["confirmed"]
    return observation


def response(row: dict, local: Local) -> dict:
    observation = _base(f"response-{row['id']}", "exam",
                        concept(local.code("response-criteria"), row["criteria"], text="Disease response"),
                        row, row["assessed_on"])
    observation["valueCodeableConcept"] = concept(local.code(f"response-{row['criteria'].lower()}"),
                                                  row["category"])
    if row["visit_id"] and row["visit__status"] == "done":
        observation["encounter"] = ref("Encounter", row["visit_id"])
    return observation
