"""POST /api/v1/tools/icaht-grade and /lugano-response: the follow-up calculators, nothing saved."""

import ast
import json
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from cellrelay.followup import calls, icaht, outcomes, response, timepoints

pytestmark = pytest.mark.django_db
ICAHT_URL, LUGANO_URL = "/api/v1/tools/icaht-grade", "/api/v1/tools/lugano-response"
# D0 2 March 2026; ANC ≤ 500 from D1 to D9 (9 days), then ≤ 1000 twice after D30.
ICAHT = {"infusion_date": "2026-03-02",
         "anc": [{"date": "2026-03-03", "anc_per_ul": 300}, {"date": "2026-03-12", "anc_per_ul": 1600},
                 {"date": "2026-04-15", "anc_per_ul": 900}, {"date": "2026-05-20", "anc_per_ul": 700}]}
LUGANO = {"deauville_score": 4, "uptake_change": "reduced", "new_lesions": False}


def call(api_as, url, body, language="en", persona="coordinator"):
    return api_as(persona, language).post(url, data=json.dumps(body), content_type="application/json")


def test_icaht_grade(api_as):
    response_ = call(api_as, ICAHT_URL, ICAHT)
    assert response_.status_code == 200, response_.content
    assert response_.json() == {
        "early_grade": 2, "late_grade": 2, "early_platelet_grade": None, "late_platelet_grade": None,
        "reasons": ["ANC at or below 500/µL on 9 day(s) from D0 to D30: grade 2.",
                    "ANC at or below 1500/µL on 2 counts after D30: grade 1.",
                    "ANC at or below 1000/µL on 2 counts after D30: grade 2."],
        "codes": ["anc_early_days", "anc_late_confirmed", "anc_late_confirmed"],
        "to_verify": True,
    }


def test_icaht_grade_in_french(api_as):
    body = call(api_as, ICAHT_URL, ICAHT, "fr").json()
    assert body["reasons"][0] == "PNN inférieurs ou égaux à 500/µL pendant 9 jour(s) de J0 à J30 : grade 2."
    assert body["codes"][0] == "anc_early_days"


def test_late_grade_is_null_without_a_count_after_d30(api_as):
    body = call(api_as, ICAHT_URL, ICAHT | {"anc": ICAHT["anc"][:2]}).json()
    assert body["early_grade"] == 2 and body["late_grade"] is None
    assert body["codes"][-1] == "anc_late_not_graded"


def test_platelets_are_graded_when_given(api_as):
    platelets = [{"date": "2026-03-02", "platelets_g_l": 15}, {"date": "2026-03-20", "platelets_g_l": 90}]
    body = call(api_as, ICAHT_URL, ICAHT | {"platelets": platelets}).json()
    assert body["early_platelet_grade"] == 4  # < 20 G/L from D0 to D17: 18 days
    assert "platelets_early_days" in body["codes"]


def test_a_site_table_is_not_shown_to_verify(api_as, settings):
    table = json.loads(json.dumps(icaht.DEFAULT_ICAHT_TABLE))  # as the JSON setting gives it
    table["anc"]["early"][0]["days"] = [[1, 1], [5, 2], [8, 3], [31, 4]]
    settings.CELLRELAY_ICAHT_TABLE = table
    body = call(api_as, ICAHT_URL, ICAHT).json()
    assert body["to_verify"] is False and body["early_grade"] == 3


def test_lugano_response(api_as):
    response_ = call(api_as, LUGANO_URL, LUGANO)
    assert response_.status_code == 200, response_.content
    assert response_.json() == {
        "category": "PMR",
        "reasons": ["Deauville score 4 or 5 with uptake reduced from baseline: partial metabolic response."],
        "codes": ["deauville_4_5_reduced"]}


@pytest.mark.parametrize("body, category", [
    ({"deauville_score": 2, "new_lesions": False}, "CMR"),  # the change may be left out with 1-3
    (LUGANO | {"uptake_change": "no_significant_change"}, "NMR"),
    (LUGANO | {"deauville_score": 5, "uptake_change": "increased"}, "PMD"),
    (LUGANO | {"deauville_score": 1, "new_lesions": True}, "PMD"),
])
def test_lugano_categories(api_as, body, category):
    assert call(api_as, LUGANO_URL, body).json()["category"] == category


def test_lugano_in_french(api_as):
    body = call(api_as, LUGANO_URL, LUGANO | {"new_lesions": True}, "fr").json()
    assert body["reasons"] == [
        "Nouvelles lésions fixant le FDG : maladie métabolique progressive, quel que soit le score."]


def without(body, field):
    return {key: value for key, value in body.items() if key != field}


@pytest.mark.parametrize("body, field", [
    pytest.param(without(ICAHT, "infusion_date"), "infusion_date", id="missing-d0"),
    pytest.param(without(ICAHT, "anc"), "anc", id="missing-anc"),
    pytest.param(ICAHT | {"anc": []}, "anc", id="empty-anc"),
    pytest.param(ICAHT | {"anc": [ICAHT["anc"][1], ICAHT["anc"][0]]}, "anc", id="unordered"),
    pytest.param(ICAHT | {"anc": [ICAHT["anc"][0], ICAHT["anc"][0]]}, "anc", id="duplicate-date"),
    pytest.param(ICAHT | {"anc": [{"date": "2026-03-01", "anc_per_ul": 300}]}, "anc", id="before-d0"),
    pytest.param(ICAHT | {"anc": [{"date": "2026-03-03", "anc_per_ul": -1}]}, "anc", id="negative"),
    pytest.param(ICAHT | {"anc": [{"date": "2026-03-03", "anc_per_ul": 0.3}]}, "anc", id="unit-g-l"),
    pytest.param(ICAHT | {"infusion_date": "2126-03-02"}, "infusion_date", id="d0-after-2100"),
    pytest.param(ICAHT | {"infusion_date": "1850-03-02"}, "infusion_date", id="d0-before-1900"),
    pytest.param(ICAHT | {"infusion_date": "9999-12-31"}, "infusion_date", id="d0-year-9999"),
    pytest.param(ICAHT | {"anc": [{"date": "9999-12-31", "anc_per_ul": 300}]}, "anc", id="count-year-9999"),
    pytest.param(ICAHT | {"infusion_date": "2026-02-30"}, "infusion_date", id="no-such-day"),
    pytest.param(ICAHT | {"platelets": [{"date": "2026-03-03", "platelets_g_l": -4}]}, "platelets",
                 id="negative-platelets"),
])
def test_every_icaht_error_is_a_422_naming_the_field(api_as, body, field):
    response_ = call(api_as, ICAHT_URL, body)
    assert response_.status_code == 422, response_.content
    assert any(name == field or name.startswith(f"{field}.") for name in response_.json()["errors"]), \
        response_.json()


@pytest.mark.parametrize("body, field", [
    pytest.param(without(LUGANO, "deauville_score"), "deauville_score", id="missing-score"),
    pytest.param(without(LUGANO, "new_lesions"), "new_lesions", id="missing-new-lesions"),
    pytest.param(without(LUGANO, "uptake_change"), "uptake_change", id="missing-change-with-4"),
    pytest.param(LUGANO | {"deauville_score": 6}, "deauville_score", id="score-6"),
    pytest.param(LUGANO | {"deauville_score": 0}, "deauville_score", id="score-0"),
    pytest.param(LUGANO | {"uptake_change": "smaller"}, "uptake_change", id="bad-change"),
    pytest.param(LUGANO | {"deauville_score": 3, "uptake_change": "increased"}, "uptake_change",
                 id="low-score-increased"),
])
def test_every_lugano_error_is_a_422_naming_the_field(api_as, body, field):
    response_ = call(api_as, LUGANO_URL, body)
    assert response_.status_code == 422, response_.content
    assert field in response_.json()["errors"], response_.json()


def test_a_refusal_speaks_the_callers_language(api_as):
    body = call(api_as, ICAHT_URL, ICAHT | {"anc": [ICAHT["anc"][0], ICAHT["anc"][0]]}, "fr").json()
    assert body["errors"] == {"anc": ["Deux numérations ont la même date."]}
    body = call(api_as, LUGANO_URL, LUGANO | {"deauville_score": 2, "uptake_change": "increased"}, "fr").json()
    assert body["errors"]["uptake_change"][0].startswith("Un score de Deauville de 1 à 3")


def test_the_calculators_need_a_token(client):
    assert client.post(LUGANO_URL, data=json.dumps(LUGANO), content_type="application/json").status_code == 401


def test_a_referring_physician_may_use_them(api_as):
    assert call(api_as, LUGANO_URL, LUGANO, persona="referrer").status_code == 200


RULES = ("api.py", "calls.py", "icaht.py", "inputs.py", "outcomes.py", "response.py", "timepoints.py")


def marked_texts():
    """Every text the follow-up room's rules and calculators mark for translation."""
    for name in RULES:
        path = Path(django_settings.BASE_DIR) / "cellrelay" / "followup" / name
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("gettext_noop", "_")
                    and node.args and isinstance(node.args[0], ast.Constant)):
                yield node.args[0].value


@pytest.mark.parametrize("text", sorted(set(marked_texts())))
def test_every_marked_text_has_a_french_translation(text):
    with translation.override("fr"):
        assert translation.gettext(text) != text


def test_the_tables_of_texts_are_all_marked():
    texts = set(marked_texts())
    tables = [icaht.REASON_TEXT, response.REASON_TEXT, calls.REASON_TEXT, calls.ANSWERS, outcomes.STATUSES,
              timepoints.LABELS]
    assert all(text in texts for table in tables for text in table.values())
