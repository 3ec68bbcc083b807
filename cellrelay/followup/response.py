"""Disease response by the criteria of the indication. No Django.

Sources: registry.md "Response criteria" and followup.md "Response": Lugano 2014 (PET-CT, Deauville
5-point score) for lymphoma; CR / CRi with bone-marrow MRD for B-ALL; IMWG categories with MRD for
myeloma; the protocol's disease-activity score (e.g. SLEDAI-2K) for autoimmune trials.

Each function takes the raw values a physician records and returns a ``Response``; ``evaluate``
takes the same raw values as a dict, so that a stored record can be graded again when the rules
change (registry.md: "keep raw values, derive grades").
"""

import inspect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cellrelay.monitoring.grading import ContradictoryInput
from cellrelay.textmarks import gettext_noop

from .inputs import is_number


@dataclass(frozen=True)
class Response:
    criteria: str  # a key of CRITERIA
    category: str  # "CMR", "CR MRD-negative", "PD", "score"…
    reasons: tuple[str, ...]  # codes of REASON_TEXT
    is_progression: bool = False  # PMD, PD, relapse
    is_complete: bool = False  # CMR, CR, CRi, sCR
    # Higher is better, comparable within one criteria only (and one score name): see best().
    rank: float = 0
    score_name: str | None = None  # autoimmune: the protocol's score and its value
    score_value: float | None = None


REASON_TEXT = {
    # Lugano 2014
    "deauville_1_3": gettext_noop("Deauville score 1 to 3: complete metabolic response."),
    "deauville_4_5_reduced": gettext_noop("Deauville score 4 or 5 with uptake reduced from baseline: partial "
                                          "metabolic response."),
    "deauville_4_5_no_change": gettext_noop("Deauville score 4 or 5 without significant change from baseline: "
                                            "no metabolic response."),
    "deauville_4_5_increased": gettext_noop("Deauville score 4 or 5 with uptake increased from baseline: "
                                            "progressive metabolic disease."),
    "new_lesions": gettext_noop("New FDG-avid lesions: progressive metabolic disease, whatever the score."),
    # B-ALL and IMWG
    "complete_remission": gettext_noop("Complete remission."),
    "complete_remission_incomplete_recovery": gettext_noop(
        "Complete remission with incomplete haematological recovery (CRi)."),
    "no_remission": gettext_noop("No remission."),
    "relapse": gettext_noop("Relapse."),
    "imwg_category": gettext_noop("IMWG category as recorded."),
    "mrd_negative": gettext_noop("Measurable residual disease negative."),
    "mrd_positive": gettext_noop("Measurable residual disease positive."),
    "mrd_not_done": gettext_noop("Measurable residual disease not assessed."),
    # Autoimmune
    "protocol_score": gettext_noop("Disease-activity score defined by the protocol."),
}

# --- Lugano 2014 -------------------------------------------------------------------------------

UPTAKE_CHANGES = ("reduced", "no_significant_change", "increased")
LUGANO_RANK = {"PMD": 0, "NMR": 1, "PMR": 2, "CMR": 3}


def lugano(deauville_score, uptake_change, new_lesions) -> Response:
    """Lugano 2014 metabolic response from the Deauville score, the change of uptake from baseline
    and new FDG-avid lesions.

    ``uptake_change`` may be None with a score of 1-3, whose category does not depend on it.
    Refused as contradictory: a score of 1-3 with uptake increased from baseline (at or below the
    liver now, the disease would have been even less avid at baseline: the score or the change is
    mistyped). New lesions make progression whatever the score.
    """
    if isinstance(deauville_score, bool) or deauville_score not in (1, 2, 3, 4, 5):
        raise ContradictoryInput("deauville_score", gettext_noop("The Deauville score is a whole number from 1 to 5."))
    if uptake_change is not None and uptake_change not in UPTAKE_CHANGES:
        raise ContradictoryInput("uptake_change", gettext_noop("This value is not one of the choices."))
    if not isinstance(new_lesions, bool):
        raise ContradictoryInput("new_lesions", gettext_noop("Say whether there are new lesions (yes or no)."))
    low_score = deauville_score <= 3
    if low_score and uptake_change == "increased":
        raise ContradictoryInput("uptake_change", gettext_noop(
            "A Deauville score of 1 to 3 cannot come with uptake increased from baseline: check the score or "
            "the change."))
    if not low_score and uptake_change is None:
        raise ContradictoryInput("uptake_change", gettext_noop(
            "With a Deauville score of 4 or 5, say how uptake changed from baseline."))
    # registry.md, followup.md (Lugano 2014): new lesions or 4-5 with increased uptake → PMD; 1-3 → CMR;
    # 4-5 reduced → PMR; 4-5 without significant change → NMR.
    if new_lesions:
        category, reason = "PMD", "new_lesions"
    elif low_score:
        category, reason = "CMR", "deauville_1_3"
    else:
        category, reason = {"reduced": ("PMR", "deauville_4_5_reduced"),
                            "no_significant_change": ("NMR", "deauville_4_5_no_change"),
                            "increased": ("PMD", "deauville_4_5_increased")}[uptake_change]
    return Response("lugano", category, (reason,), is_progression=category == "PMD",
                    is_complete=category == "CMR", rank=LUGANO_RANK[category])


# --- MRD (B-ALL and myeloma) -------------------------------------------------------------------

MRD_STATUSES = ("negative", "positive", "not_done")
MRD_METHODS = ("flow_cytometry", "ngs", "pcr")


def _check_mrd(mrd_status, mrd_method) -> None:
    if mrd_status not in MRD_STATUSES:
        raise ContradictoryInput("mrd_status", gettext_noop("This value is not one of the choices."))
    if mrd_status == "not_done":
        if mrd_method is not None:
            raise ContradictoryInput("mrd_method", gettext_noop("MRD was not assessed: leave its method empty."))
    elif mrd_method is None:
        raise ContradictoryInput("mrd_method", gettext_noop("Give the method of the MRD assessment."))
    elif mrd_method not in MRD_METHODS:
        raise ContradictoryInput("mrd_method", gettext_noop("This value is not one of the choices."))


def _with_mrd(category: str, mrd_status: str) -> str:
    return category if mrd_status == "not_done" else f"{category} MRD-{mrd_status}"


# --- B-ALL -------------------------------------------------------------------------------------

REMISSIONS = ("CR", "CRi", "no_remission", "relapse")
REMISSION_REASON = {"CR": "complete_remission", "CRi": "complete_remission_incomplete_recovery",
                    "no_remission": "no_remission", "relapse": "relapse"}
REMISSION_RANK = {"relapse": 0, "no_remission": 1, "CRi": 2, "CR": 3}


def b_all(remission, mrd_status, mrd_method=None) -> Response:
    """B-ALL response: CR or CRi with the bone-marrow MRD status and its method (registry.md), no
    remission, or relapse (after a remission; a progression for survival).

    MRD is read in remission only: no remission or relapse with MRD negative is refused, and the
    category of a patient not in remission does not carry the MRD.
    """
    if remission not in REMISSIONS:
        raise ContradictoryInput("remission", gettext_noop("This value is not one of the choices."))
    _check_mrd(mrd_status, mrd_method)
    in_remission = remission in ("CR", "CRi")
    if not in_remission and mrd_status == "negative":
        raise ContradictoryInput("mrd_status", gettext_noop(
            "MRD negative without remission is contradictory: check the remission or the MRD."))
    category = _with_mrd(remission, mrd_status) if in_remission else remission
    reasons = (REMISSION_REASON[remission], f"mrd_{mrd_status}") if in_remission else (REMISSION_REASON[remission],)
    # Deeper remission first, then MRD negativity: CR MRD-negative > CR > CRi MRD-negative > CRi.
    rank = 2 * REMISSION_RANK[remission] + (1 if in_remission and mrd_status == "negative" else 0)
    return Response("b_all", category, reasons, is_progression=remission == "relapse", is_complete=in_remission,
                    rank=rank)


# --- Myeloma, IMWG -----------------------------------------------------------------------------

IMWG_CATEGORIES = ("sCR", "CR", "VGPR", "PR", "SD", "PD")  # best first
IMWG_RANK = {category: len(IMWG_CATEGORIES) - index for index, category in enumerate(IMWG_CATEGORIES)}


def imwg(category, mrd_status, mrd_method=None) -> Response:
    """Myeloma response, IMWG category as the physician read it, with MRD (registry.md).

    IMWG defines MRD negativity in patients in complete response: MRD negative below CR is refused.
    """
    if category not in IMWG_CATEGORIES:
        raise ContradictoryInput("category", gettext_noop("This value is not one of the choices."))
    _check_mrd(mrd_status, mrd_method)
    complete = category in ("sCR", "CR")
    if mrd_status == "negative" and not complete:
        raise ContradictoryInput("mrd_status", gettext_noop(
            "MRD negativity is assessed in complete response (CR or sCR): check the category or the MRD."))
    rank = 2 * IMWG_RANK[category] + (1 if mrd_status == "negative" else 0)
    return Response("imwg", _with_mrd(category, mrd_status), ("imwg_category", f"mrd_{mrd_status}"),
                    is_progression=category == "PD", is_complete=complete, rank=rank)


# --- Autoimmune trials -------------------------------------------------------------------------

# Known scores and their range; another protocol score is any finite number (the protocol defines it).
KNOWN_SCORES = {"SLEDAI-2K": (0, 105)}  # SLEDAI-2K: 0 to 105, whole points
SCORE_NAME_MAX_LENGTH = 50


def autoimmune(score_name, score_value) -> Response:
    """The protocol's disease-activity score, e.g. SLEDAI-2K, as a number with its name (registry.md).

    The category is "score": no response category is derived. Its rank is the score reversed, since
    disease-activity scores (SLEDAI-2K, BILAG, DAS28) fall as the disease quiets.
    """
    if not isinstance(score_name, str) or not score_name.strip() or len(score_name) > SCORE_NAME_MAX_LENGTH:
        raise ContradictoryInput("score_name", gettext_noop("Give the name of the score (50 characters at most)."))
    name = score_name.strip()
    if not is_number(score_value) or not math.isfinite(score_value):
        raise ContradictoryInput("score_value", gettext_noop("The score is a number."))
    if name in KNOWN_SCORES:
        low, high = KNOWN_SCORES[name]
        if not low <= score_value <= high or score_value != int(score_value):
            raise ContradictoryInput("score_value", gettext_noop("This score is a whole number in its range."))
    return Response("autoimmune", "score", ("protocol_score",), rank=-float(score_value), score_name=name,
                    score_value=float(score_value))


# --- Any criteria --------------------------------------------------------------------------------

CRITERIA = {"lugano": lugano, "b_all": b_all, "imwg": imwg, "autoimmune": autoimmune}


def evaluate(criteria: str, raw: Mapping) -> Response:
    """The response from the raw values as recorded: ``raw`` holds exactly the criteria's arguments
    (an optional one may be left out)."""
    if criteria not in CRITERIA:
        raise ContradictoryInput("criteria", gettext_noop("These response criteria are unknown."))
    if not isinstance(raw, Mapping):
        raise ContradictoryInput("criteria", gettext_noop("The recorded values are missing."))
    parameters = inspect.signature(CRITERIA[criteria]).parameters
    for name in raw:
        if name not in parameters:
            raise ContradictoryInput(str(name), gettext_noop("This value does not belong to these criteria."))
    for name, parameter in parameters.items():
        if parameter.default is inspect.Parameter.empty and name not in raw:
            raise ContradictoryInput(name, gettext_noop("This value is required."))
    return CRITERIA[criteria](**raw)


def best(responses: Sequence[Response]) -> Response | None:
    """The best response (highest rank); the first of equals, so the earliest when given in date order.

    Refused across criteria or score names, whose ranks do not compare.
    """
    if not responses:
        return None
    if len({(response.criteria, response.score_name) for response in responses}) > 1:
        raise ContradictoryInput("responses", gettext_noop(
            "Responses graded by different criteria cannot be compared."))
    return max(responses, key=lambda response: response.rank)  # max keeps the first of equals


# --- The indication's criteria -----------------------------------------------------------------

# referrals.therapies.INDICATIONS (the decision) and the referral's diagnosis codes; registry.md.
INDICATION_CRITERIA = {"lbcl": "lugano", "fl": "lugano", "mcl": "lugano", "b_all": "b_all", "mm": "imwg",
                       "sle": "autoimmune"}


def criteria_for_indication(indication: str, *, diagnosis: str | None = None) -> str:
    """The response criteria of an indication code; a "trial" indication follows its diagnosis when it
    has one of the codes above, and otherwise the protocol's own score ("autoimmune")."""
    if indication in INDICATION_CRITERIA:
        return INDICATION_CRITERIA[indication]
    if indication == "trial":
        return INDICATION_CRITERIA.get(diagnosis, "autoimmune")
    raise ContradictoryInput("indication", gettext_noop("No response criteria are known for this indication."))
