"""The resources of one batch of patients: a fixed number of queries per batch and per resource type (``values()``
rows, no model instances), whatever the batch holds, each row given to its builder once.

A batch is read by its range of patient ids (an index range, cheap to build and to run), and every row is kept only
when its patient is one of the batch's: a patient inside the range whom the export leaves out (no consent, another
center) never reaches a builder."""

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


class Batch:
    """The patients of one batch, by id: ``of(queryset, path)`` narrows a query to their range."""

    def __init__(self, ids: list[int]):
        self.ids = frozenset(ids)
        self.range = (min(ids), max(ids))

    def of(self, queryset, path: str):
        return queryset.filter(**{f"{path}__gte": self.range[0], f"{path}__lte": self.range[1]})

    def keep(self, rows, key: str):
        ids = self.ids
        return (row for row in rows if row[key] in ids)


def grouped(rows, key: str) -> dict:
    groups = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return groups


def patients(batch: Batch, local: Local) -> Iterator[dict]:
    ipps = defaultdict(list)
    for row in batch.keep(batch.of(LocalId.objects, "patient_id").order_by("pk").values(
            "patient_id", "center_id", "ipp"), "patient_id"):
        ipps[row["patient_id"]].append((row["center_id"], row["ipp"]))
    deaths = {row["patient_id"]: row["died_on"] for row in batch.keep(
        batch.of(Death.objects, "patient_id").values("patient_id", "died_on"), "patient_id")}
    for row in batch.keep(batch.of(Patient.objects, "pk").order_by("pk").values(*PATIENT_FIELDS), "id"):
        yield patient.patient(row, ipps[row["id"]], deaths.get(row["id"]), local)


def consents(batch: Batch, local: Local) -> Iterator[dict]:
    """The latest decision of each kind: later decisions supersede earlier ones (patients.models.Consent)."""
    seen = set()
    for row in batch.keep(batch.of(Consent.objects, "patient_id").order_by(
            "patient_id", "kind", "-decided_on", "-recorded_at", "-pk").values("id", "patient_id", "kind", "status",
                                                                                  "decided_on"), "patient_id"):
        if (row["patient_id"], row["kind"]) not in seen:
            seen.add((row["patient_id"], row["kind"]))
            yield consent.consent(row, local)


def conditions(batch: Batch, local: Local) -> Iterator[dict]:
    for row in batch.keep(batch.of(Referral.objects, "patient_id").order_by("pk").values(
            "id", "patient_id", "diagnosis", "diagnosis_detail", "disease_stage", "received_on"), "patient_id"):
        yield condition.condition(row, local)


def episodes(batch: Batch, local: Local) -> Iterator[dict]:
    infused = {row["episode_id"] for row in batch.keep(
        batch.of(Milestone.objects, "episode__patient_id").filter(kind=Kind.INFUSION, status="done")
        .values("episode_id", "episode__patient_id"), "episode__patient_id")}
    for row in batch.keep(batch.of(Episode.objects, "patient_id").order_by("pk").values(
            "id", "patient_id", "state", "opened_at", "stopped_on", "template__product", "template__indication",
            "decision__referral_id"), "patient_id"):
        row["infused"] = row["id"] in infused
        yield episode_of_care.episode_of_care(row, local)


VISIT_FIELDS = ("id", "plan_id", "code", "status", "earliest", "latest", "done_on", "plan__episode_id",
                "plan__episode__patient_id")


def care_plans(batch: Batch, local: Local) -> Iterator[dict]:
    visits = grouped(batch.keep(batch.of(Visit.objects, "plan__episode__patient_id").order_by("due", "pk")
                                .values(*VISIT_FIELDS), "plan__episode__patient_id"), "plan_id")
    for row in batch.keep(batch.of(FollowUpPlan.objects, "episode__patient_id").order_by("pk").values(
            "id", "episode__patient_id", "d0", "created_at"), "episode__patient_id"):
        yield care_plan.care_plan(row, visits.get(row["id"], []), local)


def encounters(batch: Batch, local: Local) -> Iterator[dict]:
    for row in batch.keep(batch.of(Visit.objects, "plan__episode__patient_id").filter(status="done").order_by(
            "pk").values(*VISIT_FIELDS), "plan__episode__patient_id"):
        yield encounter.encounter(row, local)


def procedures(batch: Batch, local: Local) -> Iterator[dict]:
    for row in batch.keep(batch.of(Collection.objects, "episode__patient_id").order_by("pk").values(
            "id", "episode__patient_id", "collected_at"), "episode__patient_id"):
        yield procedure.apheresis(row, local)
    for row in batch.keep(batch.of(Bag.objects, "product__episode__patient_id").filter(
            infusion_started_at__isnull=False).order_by("pk").values(
            "id", "number", "product_id", "product__episode__patient_id", "infusion_started_at",
            "infusion_ended_at"), "product__episode__patient_id"):
        yield procedure.infusion(row, local)


def products(batch: Batch, local: Local) -> Iterator[dict]:
    path = "product__episode__patient_id"
    identifiers = defaultdict(list)
    for row in batch.keep(batch.of(Identifier.objects, path).order_by("product_id", "scheme", "value").values(
            "product_id", "scheme", "value", path), path):
        identifiers[row["product_id"]].append((row["scheme"], row["value"]))
    bags = defaultdict(int)
    for row in batch.keep(batch.of(Bag.objects, path).values("product_id", path), path):
        bags[row["product_id"]] += 1
    first_collection = {}
    for row in batch.keep(batch.of(Collection.objects, "episode__patient_id").order_by("collected_at", "pk").values(
            "episode_id", "collected_at", "episode__patient_id"), "episode__patient_id"):
        first_collection.setdefault(row["episode_id"], row)
    for row in batch.keep(batch.of(Product.objects, "episode__patient_id").order_by("pk").values(
            "id", "episode_id", "episode__patient_id", "episode__template__product", "manufacturer", "status"),
            "episode__patient_id"):
        yield product.product(row, identifiers[row["id"]], bags[row["id"]], first_collection.get(row["episode_id"]),
                              local)


def administrations(batch: Batch, local: Local) -> Iterator[dict]:
    for row in batch.keep(batch.of(Milestone.objects, "episode__patient_id").filter(
            kind=Kind.LYMPHODEPLETION, status="done").order_by("pk").values(
            "id", "episode_id", "episode__patient_id", "actual", "drugs"), "episode__patient_id"):
        yield from medication.lymphodepletion(row, local)
    for row in batch.keep(batch.of(Intervention.objects, "episode__patient_id").order_by("pk").values(
            "id", "episode_id", "episode__patient_id", "kind", "drug", "dose_mg", "route", "given_at"),
            "episode__patient_id"):
        yield medication.intervention(row, local)


def _episode_rows(batch: Batch, model, *fields):
    return batch.keep(batch.of(model.objects, "episode__patient_id").order_by("pk").values(
        "id", "episode__patient_id", *fields), "episode__patient_id")


def observations(batch: Batch, local: Local) -> Iterator[dict]:
    for row in _episode_rows(batch, VitalSigns, "taken_at", *observation.VITAL_FIELDS):
        yield from observation.vital_signs(row, local)
    for row in _episode_rows(batch, LabResult, "sampled_at", *observation.LAB_FIELDS):
        yield from observation.labs(row, local)
    for row in _episode_rows(batch, NeuroAssessment, "assessed_at", "ice_score", "capd_score"):
        found = observation.ice_score(row, local)
        if found:
            yield found
    for row in _episode_rows(batch, GradeRecord, "observed_at", "scale", "confirmed"):
        yield observation.grade(row, local)
    for row in _episode_rows(batch, Response, "assessed_on", "criteria", "category", "visit_id", "visit__status"):
        yield observation.response(row, local)


def adverse_events(batch: Batch, local: Local) -> Iterator[dict]:
    """Each event names the infusion of its episode as the suspect (R4's suspectEntity cannot name the product)."""
    infusions = {}
    for row in batch.keep(batch.of(Bag.objects, "product__episode__patient_id").filter(
            infusion_started_at__isnull=False).order_by("pk").values(
            "id", "product__episode_id", "product__episode__patient_id"), "product__episode__patient_id"):
        infusions.setdefault(row["product__episode_id"], row["id"])
    for row in _episode_rows(batch, AdverseEvent, "episode_id", "term", "ctcae_grade", "onset", "resolution",
                             "relation", "serious"):
        yield adverse_event.adverse_event(row, infusions.get(row["episode_id"]), local)


BUILDERS = {
    "Patient": patients, "Consent": consents, "Condition": conditions, "EpisodeOfCare": episodes,
    "CarePlan": care_plans, "Encounter": encounters, "Procedure": procedures, "BiologicallyDerivedProduct": products,
    "MedicationAdministration": administrations, "Observation": observations, "AdverseEvent": adverse_events,
}


def resources(resource_type: str, batch: Batch, local: Local) -> Iterator[dict]:
    return BUILDERS[resource_type](batch, local)
