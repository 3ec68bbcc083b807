"""The resources of one batch of patients: a fixed number of queries per batch and per resource type (``values()``
rows, no model instances), whatever the batch holds, each row given to its builder once."""

from collections import defaultdict
from collections.abc import Iterator

from cellrelay.followup.models import Death, FollowUpPlan, Response, Visit
from cellrelay.monitoring.models import AdverseEvent, GradeRecord, Intervention, LabResult, NeuroAssessment, VitalSigns
from cellrelay.pathway.models import Episode, Milestone
from cellrelay.pathway.schedule import Kind
from cellrelay.patients.models import Consent, LocalId, Patient
from cellrelay.products.models import Bag, Collection, Identifier, Product
from cellrelay.referrals.models import Referral

from . import (adverse_event, care_plan, condition, consent, encounter, episode_of_care, medication, observation,
               patient, procedure, product)
from .systems import Local

PATIENT_FIELDS = ("id", "family_name", "given_names", "birth_date", "sex", "ins", "address", "postcode", "city",
                  "phone")


def grouped(rows, key: str) -> dict:
    groups = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return groups


def patients(ids: list[int], local: Local) -> Iterator[dict]:
    ipps = defaultdict(list)
    for patient_id, center_id, ipp in LocalId.objects.filter(patient_id__in=ids).order_by("pk").values_list(
            "patient_id", "center_id", "ipp"):
        ipps[patient_id].append((center_id, ipp))
    deaths = dict(Death.objects.filter(patient_id__in=ids).values_list("patient_id", "died_on"))
    for row in Patient.objects.filter(pk__in=ids).order_by("pk").values(*PATIENT_FIELDS):
        yield patient.patient(row, ipps[row["id"]], deaths.get(row["id"]), local)


def consents(ids: list[int], local: Local) -> Iterator[dict]:
    """The latest decision of each kind: later decisions supersede earlier ones (patients.models.Consent)."""
    seen = set()
    for row in Consent.objects.filter(patient_id__in=ids).order_by(
            "patient_id", "kind", "-decided_on", "-recorded_at", "-pk").values("id", "patient_id", "kind", "status",
                                                                                  "decided_on"):
        if (row["patient_id"], row["kind"]) not in seen:
            seen.add((row["patient_id"], row["kind"]))
            yield consent.consent(row, local)


def conditions(ids: list[int], local: Local) -> Iterator[dict]:
    for row in Referral.objects.filter(patient_id__in=ids).order_by("pk").values(
            "id", "patient_id", "diagnosis", "diagnosis_detail", "disease_stage", "received_on"):
        yield condition.condition(row, local)


def episodes(ids: list[int], local: Local) -> Iterator[dict]:
    infused = set(Milestone.objects.filter(episode__patient_id__in=ids, kind=Kind.INFUSION, status="done")
                  .values_list("episode_id", flat=True))
    for row in Episode.objects.filter(patient_id__in=ids).order_by("pk").values(
            "id", "patient_id", "state", "opened_at", "stopped_on", "template__product", "template__indication",
            "decision__referral_id"):
        row["infused"] = row["id"] in infused
        yield episode_of_care.episode_of_care(row, local)


VISIT_FIELDS = ("id", "plan_id", "code", "status", "earliest", "latest", "done_on", "plan__episode_id",
                "plan__episode__patient_id")


def care_plans(ids: list[int], local: Local) -> Iterator[dict]:
    visits = grouped(Visit.objects.filter(plan__episode__patient_id__in=ids).order_by("due", "pk")
                     .values(*VISIT_FIELDS), "plan_id")
    for row in FollowUpPlan.objects.filter(episode__patient_id__in=ids).order_by("pk").values(
            "id", "episode__patient_id", "d0", "created_at"):
        yield care_plan.care_plan(row, visits.get(row["id"], []), local)


def encounters(ids: list[int], local: Local) -> Iterator[dict]:
    for row in Visit.objects.filter(plan__episode__patient_id__in=ids, status="done").order_by("pk").values(
            *VISIT_FIELDS):
        yield encounter.encounter(row, local)


def procedures(ids: list[int], local: Local) -> Iterator[dict]:
    for row in Collection.objects.filter(episode__patient_id__in=ids).order_by("pk").values(
            "id", "episode__patient_id", "collected_at"):
        yield procedure.apheresis(row, local)
    for row in Bag.objects.filter(product__episode__patient_id__in=ids, infusion_started_at__isnull=False).order_by(
            "pk").values("id", "number", "product_id", "product__episode__patient_id", "infusion_started_at",
                         "infusion_ended_at"):
        yield procedure.infusion(row, local)


def products(ids: list[int], local: Local) -> Iterator[dict]:
    identifiers = defaultdict(list)
    for product_id, scheme, value in Identifier.objects.filter(product__episode__patient_id__in=ids).order_by(
            "product_id", "scheme", "value").values_list("product_id", "scheme", "value"):
        identifiers[product_id].append((scheme, value))
    bags = defaultdict(int)
    for product_id in Bag.objects.filter(product__episode__patient_id__in=ids).values_list("product_id", flat=True):
        bags[product_id] += 1
    first_collection = {}
    for row in Collection.objects.filter(episode__patient_id__in=ids).order_by("collected_at", "pk").values(
            "episode_id", "collected_at"):
        first_collection.setdefault(row["episode_id"], row)
    for row in Product.objects.filter(episode__patient_id__in=ids).order_by("pk").values(
            "id", "episode_id", "episode__patient_id", "episode__template__product", "manufacturer", "status"):
        yield product.product(row, identifiers[row["id"]], bags[row["id"]], first_collection.get(row["episode_id"]),
                              local)


def administrations(ids: list[int], local: Local) -> Iterator[dict]:
    for row in Milestone.objects.filter(episode__patient_id__in=ids, kind=Kind.LYMPHODEPLETION, status="done").order_by(
            "pk").values("id", "episode_id", "episode__patient_id", "actual", "drugs"):
        yield from medication.lymphodepletion(row, local)
    for row in Intervention.objects.filter(episode__patient_id__in=ids).order_by("pk").values(
            "id", "episode_id", "episode__patient_id", "kind", "drug", "dose_mg", "route", "given_at"):
        yield medication.intervention(row, local)


def observations(ids: list[int], local: Local) -> Iterator[dict]:
    for row in VitalSigns.objects.filter(episode__patient_id__in=ids).order_by("pk").values(
            "id", "episode__patient_id", "taken_at", *observation.VITAL_FIELDS):
        yield from observation.vital_signs(row, local)
    for row in LabResult.objects.filter(episode__patient_id__in=ids).order_by("pk").values(
            "id", "episode__patient_id", "sampled_at", *observation.LAB_FIELDS):
        yield from observation.labs(row, local)
    for row in NeuroAssessment.objects.filter(episode__patient_id__in=ids).order_by("pk").values(
            "id", "episode__patient_id", "assessed_at", "ice_score", "capd_score"):
        found = observation.ice_score(row, local)
        if found:
            yield found
    for row in GradeRecord.objects.filter(episode__patient_id__in=ids).order_by("pk").values(
            "id", "episode__patient_id", "observed_at", "scale", "confirmed"):
        yield observation.grade(row, local)
    for row in Response.objects.filter(episode__patient_id__in=ids).order_by("pk").values(
            "id", "episode__patient_id", "assessed_on", "criteria", "category", "visit_id", "visit__status"):
        yield observation.response(row, local)


def adverse_events(ids: list[int], local: Local) -> Iterator[dict]:
    """Each event names the infusion of its episode as the suspect (R4's suspectEntity cannot name the product)."""
    infusions = {}
    for bag_id, episode_id in Bag.objects.filter(product__episode__patient_id__in=ids,
                                                 infusion_started_at__isnull=False).order_by("pk").values_list(
            "id", "product__episode_id"):
        infusions.setdefault(episode_id, bag_id)
    for row in AdverseEvent.objects.filter(episode__patient_id__in=ids).order_by("pk").values(
            "id", "episode_id", "episode__patient_id", "term", "ctcae_grade", "onset", "resolution", "relation",
            "serious"):
        yield adverse_event.adverse_event(row, infusions.get(row["episode_id"]), local)


BUILDERS = {
    "Patient": patients, "Consent": consents, "Condition": conditions, "EpisodeOfCare": episodes,
    "CarePlan": care_plans, "Encounter": encounters, "Procedure": procedures, "BiologicallyDerivedProduct": products,
    "MedicationAdministration": administrations, "Observation": observations, "AdverseEvent": adverse_events,
}


def resources(resource_type: str, ids: list[int], local: Local) -> Iterator[dict]:
    return BUILDERS[resource_type](ids, local)
