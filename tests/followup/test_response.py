"""Response criteria: Lugano 2014, B-ALL, IMWG, the protocol's score (registry.md, followup.md)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cellrelay.followup import response
from cellrelay.monitoring.grading import ContradictoryInput

# --- Lugano 2014: every row ---------------------------------------------------------------------

LUGANO_ROWS = [
    *[(score, change, False, "CMR") for score in (1, 2, 3) for change in (None, "reduced", "no_significant_change")],
    *[(score, "reduced", False, "PMR") for score in (4, 5)],
    *[(score, "no_significant_change", False, "NMR") for score in (4, 5)],
    *[(score, "increased", False, "PMD") for score in (4, 5)],
    *[(score, change, True, "PMD") for score in (1, 2, 3) for change in (None, "reduced", "no_significant_change")],
    *[(score, change, True, "PMD") for score in (4, 5) for change in response.UPTAKE_CHANGES],
]


@pytest.mark.parametrize("score, change, new_lesions, category", LUGANO_ROWS)
def test_every_lugano_row(score, change, new_lesions, category):
    result = response.lugano(score, change, new_lesions)
    assert result.category == category
    assert result.is_progression == (category == "PMD")
    assert result.is_complete == (category == "CMR")
    assert all(code in response.REASON_TEXT for code in result.reasons)


def test_new_lesions_are_named_as_the_reason():
    assert response.lugano(2, "reduced", True).reasons == ("new_lesions",)
    assert response.lugano(5, "increased", False).reasons == ("deauville_4_5_increased",)


@pytest.mark.parametrize("score, change, new_lesions, field", [
    (0, "reduced", False, "deauville_score"), (6, "reduced", False, "deauville_score"),
    (3.5, "reduced", False, "deauville_score"), (True, "reduced", False, "deauville_score"),
    (None, "reduced", False, "deauville_score"), ("4", "reduced", False, "deauville_score"),
    (4, "smaller", False, "uptake_change"),
    (4, None, False, "uptake_change"),  # a score of 4-5 needs the change
    (2, "increased", False, "uptake_change"),  # 1-3 with increased uptake: contradictory
    (4, "reduced", None, "new_lesions"), (4, "reduced", "no", "new_lesions"),
])
def test_refused_lugano_inputs(score, change, new_lesions, field):
    with pytest.raises(ContradictoryInput) as refused:
        response.lugano(score, change, new_lesions)
    assert refused.value.field == field


# --- B-ALL ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("remission, mrd, method, category, complete, progression", [
    ("CR", "negative", "flow_cytometry", "CR MRD-negative", True, False),
    ("CR", "positive", "ngs", "CR MRD-positive", True, False),
    ("CR", "not_done", None, "CR", True, False),
    ("CRi", "negative", "pcr", "CRi MRD-negative", True, False),
    ("CRi", "not_done", None, "CRi", True, False),
    ("no_remission", "positive", "flow_cytometry", "no_remission", False, False),
    ("no_remission", "not_done", None, "no_remission", False, False),
    ("relapse", "not_done", None, "relapse", False, True),
])
def test_b_all(remission, mrd, method, category, complete, progression):
    result = response.b_all(remission, mrd, method)
    assert (result.category, result.is_complete, result.is_progression) == (category, complete, progression)


@pytest.mark.parametrize("remission, mrd, method, field", [
    ("CR", "negative", None, "mrd_method"),  # the method is required with a status
    ("CR", "positive", None, "mrd_method"),
    ("CR", "not_done", "ngs", "mrd_method"),
    ("CR", "negative", "karyotype", "mrd_method"),
    ("CR", "unknown", None, "mrd_status"),
    ("PR", "not_done", None, "remission"),
    ("no_remission", "negative", "ngs", "mrd_status"),
    ("relapse", "negative", "ngs", "mrd_status"),
])
def test_refused_b_all_inputs(remission, mrd, method, field):
    with pytest.raises(ContradictoryInput) as refused:
        response.b_all(remission, mrd, method)
    assert refused.value.field == field


def test_b_all_ranks_depth_then_mrd():
    ordered = [response.b_all("relapse", "not_done", None), response.b_all("no_remission", "not_done", None),
               response.b_all("CRi", "positive", "ngs"), response.b_all("CRi", "negative", "ngs"),
               response.b_all("CR", "positive", "ngs"), response.b_all("CR", "negative", "ngs")]
    assert [result.rank for result in ordered] == sorted(result.rank for result in ordered)
    assert len({result.rank for result in ordered}) == len(ordered)


# --- IMWG ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("category", response.IMWG_CATEGORIES)
def test_every_imwg_category(category):
    result = response.imwg(category, "not_done", None)
    assert result.category == category
    assert result.is_complete == (category in ("sCR", "CR"))
    assert result.is_progression == (category == "PD")


def test_imwg_with_mrd():
    assert response.imwg("sCR", "negative", "ngs").category == "sCR MRD-negative"
    assert response.imwg("VGPR", "positive", "flow_cytometry").category == "VGPR MRD-positive"
    ranks = [response.imwg(category, "not_done").rank for category in response.IMWG_CATEGORIES]
    assert ranks == sorted(ranks, reverse=True)
    assert response.imwg("CR", "negative", "ngs").rank > response.imwg("CR", "positive", "ngs").rank


@pytest.mark.parametrize("category, mrd, method, field", [
    ("MR", "not_done", None, "category"), ("VGPR", "negative", "ngs", "mrd_status"),
    ("PD", "negative", "ngs", "mrd_status"), ("CR", "negative", None, "mrd_method"),
])
def test_refused_imwg_inputs(category, mrd, method, field):
    with pytest.raises(ContradictoryInput) as refused:
        response.imwg(category, mrd, method)
    assert refused.value.field == field


# --- autoimmune --------------------------------------------------------------------------------

def test_a_protocol_score():
    result = response.autoimmune("SLEDAI-2K", 4)
    assert (result.category, result.score_name, result.score_value) == ("score", "SLEDAI-2K", 4.0)
    assert not result.is_progression and not result.is_complete
    assert response.autoimmune("BILAG-2004", 12.5).score_value == 12.5


@pytest.mark.parametrize("name, value, field", [
    ("SLEDAI-2K", 106, "score_value"), ("SLEDAI-2K", -1, "score_value"), ("SLEDAI-2K", 4.5, "score_value"),
    ("SLEDAI-2K", None, "score_value"), ("SLEDAI-2K", float("nan"), "score_value"),
    ("SLEDAI-2K", float("inf"), "score_value"), ("", 4, "score_name"), ("  ", 4, "score_name"),
    ("x" * 51, 4, "score_name"), (None, 4, "score_name"),
])
def test_refused_scores(name, value, field):
    with pytest.raises(ContradictoryInput) as refused:
        response.autoimmune(name, value)
    assert refused.value.field == field


# --- evaluate, best, the indication's criteria ----------------------------------------------------

def test_a_stored_raw_record_is_graded_again():
    raw = {"deauville_score": 4, "uptake_change": "reduced", "new_lesions": False}
    assert response.evaluate("lugano", raw) == response.lugano(**raw)
    assert response.evaluate("b_all", {"remission": "CR", "mrd_status": "not_done"}).category == "CR"
    assert response.evaluate("autoimmune", {"score_name": "SLEDAI-2K", "score_value": 2}).score_value == 2


@pytest.mark.parametrize("criteria, raw, field", [
    ("recist", {}, "criteria"),
    ("lugano", {"deauville_score": 4, "uptake_change": "reduced"}, "new_lesions"),
    ("lugano", {"deauville_score": 4, "uptake_change": "reduced", "new_lesions": False, "suv": 9}, "suv"),
    ("imwg", {"mrd_status": "not_done"}, "category"),
    ("lugano", ["deauville_score"], "criteria"),
])
def test_evaluate_refuses_unknown_criteria_and_missing_values(criteria, raw, field):
    with pytest.raises(ContradictoryInput) as refused:
        response.evaluate(criteria, raw)
    assert refused.value.field == field


def test_best_response():
    pmr, cmr = response.lugano(4, "reduced", False), response.lugano(2, None, False)
    pmd = response.lugano(5, "increased", False)
    assert response.best([pmr, cmr, pmd]) is cmr
    assert response.best([]) is None
    first_cmr = response.lugano(3, None, False)
    assert response.best([pmr, first_cmr, cmr]) is first_cmr  # the earliest of equals
    assert response.best([response.autoimmune("SLEDAI-2K", 10), response.autoimmune("SLEDAI-2K", 2)]).score_value == 2
    with pytest.raises(ContradictoryInput):
        response.best([pmr, response.b_all("CR", "not_done")])
    with pytest.raises(ContradictoryInput):
        response.best([response.autoimmune("SLEDAI-2K", 4), response.autoimmune("BILAG-2004", 2)])


@given(st.lists(st.sampled_from(LUGANO_ROWS), min_size=1, max_size=8))
def test_adding_a_response_never_worsens_the_best(rows):
    responses = [response.lugano(*row[:3]) for row in rows]
    assert response.best(responses).rank >= response.best(responses[:-1] or responses).rank
    assert response.best(responses).rank == max(LUGANO_ORDER.index(row[3]) for row in rows)


LUGANO_ORDER = ["PMD", "NMR", "PMR", "CMR"]


@pytest.mark.parametrize("indication, diagnosis, criteria", [
    ("lbcl", None, "lugano"), ("fl", None, "lugano"), ("mcl", None, "lugano"), ("b_all", None, "b_all"),
    ("mm", None, "imwg"), ("sle", None, "autoimmune"), ("trial", "sle", "autoimmune"), ("trial", "lbcl", "lugano"),
    ("trial", None, "autoimmune"),
])
def test_criteria_for_indication(indication, diagnosis, criteria):
    assert response.criteria_for_indication(indication, diagnosis=diagnosis) == criteria


def test_every_decision_indication_has_criteria():
    from cellrelay.referrals.therapies import INDICATIONS

    for indication in INDICATIONS:
        assert response.criteria_for_indication(indication) in response.CRITERIA
    with pytest.raises(ContradictoryInput):
        response.criteria_for_indication("aml")
