"""Where each registry item's value lives in cellrelay: a fixed set of named sources, each a function over data
loaded once for many episodes (``Bundle``), so that completeness for a whole center takes a fixed number of queries
whatever the number of patients.

A source answers a value, ``None`` when the value is missing (someone must record it: ``Source.where`` says on which
page and by which role), or ``NOT_APPLICABLE`` when the item does not apply (the date of death of a living patient).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cellrelay.followup import response as response_rules
from cellrelay.followup.models import Death, FollowUpPlan, LateEffect, Response, SubsequentTreatment, Visit
from cellrelay.monitoring import summary
from cellrelay.monitoring.models import NeuroAssessment, VitalSigns
from cellrelay.pathway.models import Episode, Milestone
from cellrelay.patients.models import Consent, LocalId
from cellrelay.products.models import Collection, Identifier

from . import dictionary
from .models import EnteredValue, Submission

NOT_APPLICABLE = "n/a"
# registry.md: IgG replacement is asked below a low level; 4 g/L is cellrelay's threshold, not a cited value.
IGG_LOW_G_L = 4
RESPONSE_WINDOW_DAYS = {"short": 14, "long": 30}  # a response counts for a timepoint within this many days of it


class SeenVisit(NamedTuple):
    """What the sources read of a follow-up visit: whether and when it was done."""

    status: str
    done_on: date | None


@dataclass
class EpisodeData:
    """What the sources read about one episode, gathered by ``Bundle``."""

    episode: Episode
    ipp: str = ""
    consents: dict = field(default_factory=dict)  # kind -> latest status
    collection_date: date | None = None
    din: str = ""
    lot: str = ""
    manufacturer: str = ""
    infusion: date | None = None
    ld_drugs: list = field(default_factory=list)
    crs: summary.ToxicitySummary | None = None
    icans: summary.ToxicitySummary | None = None
    monitored: bool = False
    visits: list = field(default_factory=list)  # SeenVisit
    responses: list = field(default_factory=list)
    late_effects: list = field(default_factory=list)
    treatments: list = field(default_factory=list)
    death: Death | None = None
    entered: dict = field(default_factory=dict)  # (item, timepoint) -> value; "" timepoint: any
    submissions: dict = field(default_factory=dict)  # (form key, timepoint) -> latest Submission

    @property
    def patient(self):
        return self.episode.patient

    @property
    def decision_date(self) -> date:
        return self.episode.decision.meeting.held_on


class Bundle:
    """Everything the registry reads for these episodes, in a fixed number of queries (one per table)."""

    def __init__(self, episodes: Iterable[Episode]):
        self.by_id: dict[int, EpisodeData] = {e.pk: EpisodeData(e) for e in episodes}
        ids = list(self.by_id)
        if ids:
            self._load(ids)

    @classmethod
    def for_patients(cls, patients) -> "Bundle":
        """Every episode of these patients (a queryset, or a list of patients)."""
        episodes = (Episode.objects.filter(patient__in=patients)
                    .select_related("patient__treating_center", "decision__meeting", "decision__referral", "template")
                    .order_by("patient__family_name", "patient__given_names", "pk"))
        return cls(episodes)

    def __iter__(self):
        return iter(self.by_id.values())

    def __len__(self) -> int:
        return len(self.by_id)

    def _load(self, ids: list[int]) -> None:
        data = self.by_id
        patient_episodes = defaultdict(list)
        for item in data.values():
            patient_episodes[item.patient.pk].append(item)
        patient_ids = list(patient_episodes)
        for local in LocalId.objects.filter(patient_id__in=patient_ids):
            for item in patient_episodes[local.patient_id]:
                if local.center_id == item.patient.treating_center_id:
                    item.ipp = local.ipp
        for consent in Consent.objects.filter(patient_id__in=patient_ids).order_by("decided_on", "recorded_at", "pk"):
            for item in patient_episodes[consent.patient_id]:
                item.consents[consent.kind] = consent.status  # the latest decision wins
        for collection in Collection.objects.filter(episode_id__in=ids).order_by("collected_at", "pk"):
            data[collection.episode_id].collection_date = data[collection.episode_id].collection_date or \
                timezone.localdate(collection.collected_at)
            data[collection.episode_id].din = data[collection.episode_id].din or collection.din
        for identifier in (Identifier.objects.filter(product__episode_id__in=ids).select_related("product")
                           .order_by("product__registered_at", "pk")):
            item = data[identifier.product.episode_id]
            item.manufacturer = identifier.product.manufacturer
            if identifier.scheme == Identifier.Scheme.MANUFACTURER:
                item.lot = identifier.value
        # The status checked here, not in the query: SQLite would otherwise walk the index of every done step of the
        # registry (issue #14).
        for episode_id, kind, status, actual, drugs in Milestone.objects.filter(
                episode_id__in=ids, kind__in=("infusion", "lymphodepletion")).order_by(
                "episode_id", "sequence").values_list("episode_id", "kind", "status", "actual", "drugs"):
            if status != Milestone.Status.DONE:
                continue
            item = data[episode_id]
            if kind == "infusion":
                item.infusion = actual
            else:
                item.ld_drugs += [dose.get("drug", "") for dose in drugs or []]
        for plan in FollowUpPlan.objects.filter(episode_id__in=ids):
            data[plan.episode_id].infusion = data[plan.episode_id].infusion or plan.d0
        self._load_toxicity(ids)
        for episode_id, status, done_on in Visit.objects.filter(plan__episode_id__in=ids).order_by().values_list(
                "plan__episode_id", "status", "done_on"):
            data[episode_id].visits.append(SeenVisit(status, done_on))
        for record in Response.objects.filter(episode_id__in=ids):
            data[record.episode_id].responses.append(record)
        for effect in LateEffect.objects.filter(episode_id__in=ids):
            data[effect.episode_id].late_effects.append(effect)
        for treatment in SubsequentTreatment.objects.filter(episode_id__in=ids):
            data[treatment.episode_id].treatments.append(treatment)
        for death in Death.objects.filter(patient_id__in=patient_ids):
            for item in patient_episodes[death.patient_id]:
                item.death = death
        for value in EnteredValue.objects.filter(episode_id__in=ids).order_by("entered_at", "pk"):
            data[value.episode_id].entered[(value.item, value.timepoint)] = value.value
        for submission in (Submission.objects.filter(episode_id__in=ids).select_related("submitted_by")
                           .order_by("submitted_at", "pk")):
            data[submission.episode_id].submissions[(submission.form_key, submission.timepoint)] = submission

    def _load_toxicity(self, ids: list[int]) -> None:
        """The CRS and ICANS registry summaries (monitoring.summary): a confirmed grade where a physician confirmed
        one, else the proposed grade, which the summary then marks as proposed."""
        crs, icans = defaultdict(list), defaultdict(list)
        # Five columns a row, not the whole flow sheet: an episode has dozens of observations (issue #14).
        for episode_id, taken_at, proposed, grade_id, confirmed in VitalSigns.objects.filter(
                episode_id__in=ids).values_list("episode_id", "taken_at", "crs_proposed", "grade__id",
                                                "grade__confirmed"):
            self.by_id[episode_id].monitored = True
            value = confirmed if grade_id is not None else proposed
            if value is not None:
                crs[episode_id].append(summary.Observation(timezone.localdate(taken_at), value, grade_id is not None))
        for episode_id, assessed_at, proposed, grade_id, confirmed in NeuroAssessment.objects.filter(
                episode_id__in=ids).values_list("episode_id", "assessed_at", "icans_proposed", "grade__id",
                                                "grade__confirmed"):
            self.by_id[episode_id].monitored = True
            value = confirmed if grade_id is not None else proposed
            if value is not None:
                icans[episode_id].append(summary.Observation(timezone.localdate(assessed_at), value,
                                                             grade_id is not None))
        for episode_id, item in self.by_id.items():
            if item.monitored:
                item.crs = summary.registry_summary(summary.daily_maximum(crs[episode_id]))
                item.icans = summary.registry_summary(summary.daily_maximum(icans[episode_id]))


# The sources ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Where:
    """Where a missing value is filled in: the page and the role."""

    page: object  # lazy text; "{timepoint}" is replaced by the timepoint
    role: object

    def text(self, timepoint: str) -> str:
        return f"{str(self.page).replace('{timepoint}', timepoint)} — {self.role}"


PATIENT = Where(_("Patient record"), _("coordinator"))
REFERRAL = Where(_("Referral"), _("coordinator"))
DECISION = Where(_("RCP decision"), _("haematologist"))
COLLECTION = Where(_("Cell collection"), _("apheresis nurse"))
PRODUCT = Where(_("CAR-T product"), _("pharmacist"))
PATHWAY = Where(_("Treatment plan"), _("ward nurse"))
MONITORING = Where(_("Monitoring flow sheet: grades to confirm"), _("haematologist"))
FOLLOW_UP = Where(_("Follow-up visit {timepoint}"), _("haematologist"))
ENTERED = Where(_("Registry page"), _("research assistant"))


@dataclass(frozen=True)
class Source:
    read: Callable  # (EpisodeData, Context) -> value | None | NOT_APPLICABLE
    where: Where


@dataclass(frozen=True)
class Context:
    """The form's timepoint for one episode: its code and the day it is reached."""

    timepoint: str
    reached: date
    followup: bool  # a follow-up timepoint (D100, M6, Y1…): time-dependent items read "as of" it

    @property
    def as_of(self) -> date:
        return self.reached if self.followup else timezone.localdate()


def _toxicity(scale: str, part: str):
    def read(data: EpisodeData, context: Context):
        found = getattr(data, scale)
        if found is None or found.highest_proposed:
            return None  # not monitored, or the highest grade still waits for a physician's confirmation
        if part == "highest":
            return found.highest
        if not found.occurred:
            return NOT_APPLICABLE
        day = found.onset if part == "onset" else found.resolution
        return day.isoformat() if day else None
    return read


def _iso(day: date | None):
    return day.isoformat() if day else None


def _window(context: Context) -> int:
    offset = dictionary.offset_days(context.timepoint) or 0
    return RESPONSE_WINDOW_DAYS["short" if offset <= 180 else "long"]


def _response_at(data: EpisodeData, context: Context):
    window = _window(context)
    near = [r for r in data.responses if abs((r.assessed_on - context.reached).days) <= window]
    if not near:
        return NOT_APPLICABLE if _dead_before(data, context.reached) else None
    return min(near, key=lambda r: abs((r.assessed_on - context.reached).days)).category


def _regraded(record):
    try:
        return response_rules.evaluate(record.criteria, record.raw)
    except response_rules.ContradictoryInput:
        return None


def _best_response(data: EpisodeData, context: Context):
    """The best response before any progression, up to the timepoint (followup.outcomes' rule)."""
    responses = sorted((r for r in data.responses if r.assessed_on <= context.as_of), key=lambda r: r.assessed_on)
    if not responses:
        return None
    first_progression = next((r.assessed_on for r in responses if r.is_progression), None)
    kept = [graded for record in responses
            if not record.is_progression and (first_progression is None or record.assessed_on <= first_progression)
            for graded in (_regraded(record),) if graded is not None]
    best = response_rules.best(kept) if kept else None
    return best.category if best else "PD"


def _dead_before(data: EpisodeData, day: date) -> bool:
    return data.death is not None and data.death.died_on <= day


def _heard_of(data: EpisodeData, context: Context) -> bool:
    """A visit recorded at or after the timepoint's window: the patient was seen alive then."""
    since = context.reached - timedelta(days=_window(context))
    return any(v.status == Visit.Status.DONE and v.done_on and v.done_on >= since for v in data.visits)


def _survival(data: EpisodeData, context: Context):
    if _dead_before(data, context.as_of):
        return "dead"
    return "alive" if _heard_of(data, context) else None


def _death(attribute: str):
    def read(data: EpisodeData, context: Context):
        if not _dead_before(data, context.as_of):
            return NOT_APPLICABLE if _survival(data, context) == "alive" else None
        value = getattr(data.death, attribute)
        return value.isoformat() if isinstance(value, date) else value
    return read


def _followed(read_when_heard):
    """A follow-up finding: known once the patient was seen at the timepoint (or died before it)."""
    def read(data: EpisodeData, context: Context):
        if not (_heard_of(data, context) or _dead_before(data, context.as_of)):
            return None
        return read_when_heard(data, context)
    return read


def _progressions(data: EpisodeData, context: Context) -> list:
    return sorted(r.assessed_on for r in data.responses if r.is_progression and r.assessed_on <= context.as_of)


def _relapse_date(data: EpisodeData, context: Context):
    days = _progressions(data, context)
    return days[0].isoformat() if days else NOT_APPLICABLE


def _effects(data: EpisodeData, context: Context, kind: str) -> list:
    return [e for e in data.late_effects if e.kind == kind and e.observed_on <= context.as_of]


def _igg_low(data: EpisodeData, context: Context) -> bool:
    for effect in _effects(data, context, LateEffect.Kind.IGG):
        level = effect.details.get("igg_g_l")
        if effect.details.get("immunoglobulin_replacement") or (level is not None and float(level) < IGG_LOW_G_L):
            return True
    return False


def _malignancy(data: EpisodeData, context: Context | None = None):
    found = [e for e in data.late_effects if e.kind == LateEffect.Kind.SECOND_MALIGNANCY]
    return min(found, key=lambda e: e.observed_on) if found else None


def new_malignancy_date(data: EpisodeData) -> date | None:
    """The event of CIBMTR form 3500."""
    found = _malignancy(data)
    return found.observed_on if found else None


def _malignancy_detail(read):
    def detail(data: EpisodeData, context: Context):
        found = _malignancy(data)
        return read(found) if found else NOT_APPLICABLE
    return detail


def _entered_source(data: EpisodeData, context: Context, item: str):
    return data.entered.get((item, context.timepoint), data.entered.get((item, "")))


def _age_band(data: EpisodeData, context: Context) -> str:
    age = data.patient.age_on(data.decision_date)
    low = age - age % 5
    return f"{low}-{low + 4}"


SOURCES: dict[str, Source] = {
    "patient.birth_date": Source(lambda d, c: d.patient.birth_date.isoformat(), PATIENT),
    "patient.birth_year": Source(lambda d, c: d.patient.birth_date.year, PATIENT),
    "patient.age_band": Source(_age_band, PATIENT),
    "patient.sex": Source(lambda d, c: d.patient.sex, PATIENT),
    "patient.ipp": Source(lambda d, c: d.ipp or None, PATIENT),
    "referral.diagnosis": Source(lambda d, c: d.episode.decision.referral.diagnosis, REFERRAL),
    "referral.prior_lines": Source(lambda d, c: d.episode.decision.referral.prior_lines, REFERRAL),
    "referral.prior_transplant": Source(lambda d, c: d.episode.decision.referral.prior_transplant or None, REFERRAL),
    "decision.indication": Source(lambda d, c: d.episode.decision.indication or None, DECISION),
    "decision.product": Source(lambda d, c: d.episode.decision.product or None, DECISION),
    "decision.date": Source(lambda d, c: d.decision_date.isoformat(), DECISION),
    "decision.bridging": Source(lambda d, c: d.episode.decision.bridging_planned, DECISION),
    "collection.date": Source(lambda d, c: _iso(d.collection_date), COLLECTION),
    "product.din": Source(lambda d, c: d.din or None, COLLECTION),
    "product.lot": Source(lambda d, c: d.lot or None, PRODUCT),
    "product.manufacturer": Source(lambda d, c: d.manufacturer or None, PRODUCT),
    "infusion.date": Source(lambda d, c: _iso(d.infusion), PATHWAY),
    "lymphodepletion.drugs": Source(lambda d, c: ", ".join(sorted(set(d.ld_drugs))) or None, PATHWAY),
    "monitoring.crs_max_grade": Source(_toxicity("crs", "highest"), MONITORING),
    "monitoring.crs_onset": Source(_toxicity("crs", "onset"), MONITORING),
    "monitoring.crs_resolution": Source(_toxicity("crs", "resolution"), MONITORING),
    "monitoring.icans_max_grade": Source(_toxicity("icans", "highest"), MONITORING),
    "monitoring.icans_onset": Source(_toxicity("icans", "onset"), MONITORING),
    "monitoring.icans_resolution": Source(_toxicity("icans", "resolution"), MONITORING),
    "followup.survival_status": Source(_survival, FOLLOW_UP),
    "followup.death_date": Source(_death("died_on"), FOLLOW_UP),
    "followup.death_cause": Source(_death("cause"), FOLLOW_UP),
    "followup.response_at_timepoint": Source(_response_at, FOLLOW_UP),
    "followup.best_response": Source(_best_response, FOLLOW_UP),
    "followup.relapse": Source(_followed(lambda d, c: bool(_progressions(d, c))), FOLLOW_UP),
    "followup.relapse_date": Source(_followed(_relapse_date), FOLLOW_UP),
    "followup.subsequent_treatment": Source(
        _followed(lambda d, c: any(t.started_on <= c.as_of for t in d.treatments)), FOLLOW_UP),
    "followup.igg_low": Source(_followed(_igg_low), FOLLOW_UP),
    "followup.infections": Source(_followed(lambda d, c: len(_effects(d, c, LateEffect.Kind.INFECTION))), FOLLOW_UP),
    "followup.new_malignancy": Source(
        _followed(lambda d, c: bool(_effects(d, c, LateEffect.Kind.SECOND_MALIGNANCY))), FOLLOW_UP),
    "followup.new_malignancy_date": Source(_malignancy_detail(lambda e: e.observed_on.isoformat()), FOLLOW_UP),
    "followup.new_malignancy_diagnosis": Source(
        _malignancy_detail(lambda e: e.details.get("diagnosis") or None), FOLLOW_UP),
    "followup.t_cell_malignancy": Source(_malignancy_detail(lambda e: e.t_cell_malignancy), FOLLOW_UP),
}

# The dates events give (a form due "on event").
EVENTS: dict[str, Callable] = {"followup.new_malignancy_date": new_malignancy_date}


def value_of(item: dictionary.Item, data: EpisodeData, context: Context):
    if item.entered:
        return _entered_source(data, context, item.code)
    return SOURCES[item.source].read(data, context)


def where_of(item: dictionary.Item) -> Where:
    return ENTERED if item.entered else SOURCES[item.source].where


_loaded: dict[str, dictionary.Dictionary] = {}


def catalog() -> dictionary.Dictionary:
    """The shipped dictionary, checked against these sources; read once per process (it is code, not data about
    patients)."""
    if "shipped" not in _loaded:
        _loaded["shipped"] = dictionary.load(sources=frozenset(SOURCES) | frozenset(EVENTS))
    return _loaded["shipped"]
