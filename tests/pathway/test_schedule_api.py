"""POST /api/v1/tools/schedule: the calculator behind the planning preview."""

import json

import pytest

pytestmark = pytest.mark.django_db
URL = "/api/v1/tools/schedule"
GOOD = {"product": "yescarta", "indication": "lbcl", "infusion_date": "2026-12-10", "weight_kg": 70, "height_cm": 175}


def call(api_as, body, language="en"):
    return api_as("coordinator", language).post(URL, data=json.dumps(body), content_type="application/json")


def test_a_plan_from_d0(api_as):
    response = call(api_as, GOOD)
    assert response.status_code == 200
    body = response.json()
    assert body["bsa_m2"] == 1.84
    ld = [m for m in body["milestones"] if m["kind"] == "lymphodepletion"]
    assert [(m["day"], m["date"]) for m in ld] == [(-5, "2026-12-05"), (-4, "2026-12-06"), (-3, "2026-12-07")]
    assert ld[0]["drugs"] == [{"drug": "cyclophosphamide", "dose_mg_m2": 500.0, "dose_mg": 920.0},
                              {"drug": "fludarabine", "dose_mg_m2": 30.0, "dose_mg": 55.2}]
    kinds = {m["kind"] for m in body["milestones"]}
    # The visits from D7 to year 15 are the follow-up room's, planned at the infusion.
    assert kinds == {"apheresis", "product_receipt", "admission", "lymphodepletion", "rest", "infusion",
                     "discharge", "proximity_end", "no_driving_end"}
    assert body["milestones"][-1]["code"] == "DRV" and body["milestones"][-1]["day"] == 56


def test_a_plan_from_the_apheresis_date(api_as):
    body = call(api_as, {"product": "abecma", "indication": "mm", "apheresis_date": "2026-12-01"}).json()
    assert body["bsa_m2"] is None
    assert body["milestones"][0] == {"kind": "apheresis", "code": "APH", "day": -35, "date": "2026-12-01", "drugs": []}
    infusion = next(m for m in body["milestones"] if m["kind"] == "infusion")
    assert infusion["date"] == "2027-01-05"


@pytest.mark.parametrize("change, field", [
    ({"product": "unicorn"}, "product"),
    ({"indication": "mm"}, "indication"),
    ({"infusion_date": "2026-02-30"}, "infusion_date"),
    ({"infusion_date": None}, "infusion_date"),
    ({"apheresis_date": "2026-12-01"}, "infusion_date"),
    ({"infusion_date": None, "apheresis_date": "2026-12-05"}, "apheresis_date"),  # a Saturday
    ({"infusion_date": None, "apheresis_date": "2026-12-25"}, "apheresis_date"),  # Christmas, a Friday
    ({"weight_kg": 0}, "weight_kg"),
    ({"weight_kg": 900}, "weight_kg"),
    ({"height_cm": 20}, "height_cm"),
    ({"height_cm": None}, "height_cm"),
    ({"product": None}, "product"),
])
def test_every_error_is_a_422_naming_the_field(api_as, change, field):
    body = {**GOOD, **change}
    body = {k: v for k, v in body.items() if v is not None}
    response = call(api_as, body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()


def test_errors_in_french(api_as):
    response = call(api_as, {"product": "yescarta", "indication": "lbcl", "apheresis_date": "2026-12-05"}, "fr")
    assert "week-end" in response.json()["errors"]["apheresis_date"][0]


def test_the_calculator_uses_the_sites_edited_template(api_as, users):
    from cellrelay.pathway import services
    from cellrelay.pathway.models import ProtocolTemplate

    template = ProtocolTemplate.objects.get(product="yescarta", indication="lbcl")
    services.edit_template(actor=users["admin"], template=template, changes={"manufacturing_days": 21},
                           source="Local agreement with the manufacturer, 2026-11")
    body = call(api_as, GOOD).json()
    receipt = next(m for m in body["milestones"] if m["kind"] == "product_receipt")
    apheresis = body["milestones"][0]
    assert receipt["day"] - apheresis["day"] == 21
