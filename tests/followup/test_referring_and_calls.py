"""The referring hospital records the visits assigned to it, and only those; a call with a fever reaches the
haematologists' worklist the same minute; the API does what the pages do (issue #10)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cellrelay.followup import services
from cellrelay.followup.models import Call, Visit
from cellrelay.journal.models import JournalEntry
from tests.pathway.test_anchoring import infused_days_ago

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
JSON = "application/json"


@pytest.fixture
def referred_infused(org, referred_patient, users):
    from tests.conftest import open_episode
    episode = open_episode(org, referred_patient)
    return infused_days_ago(episode, users)


def assign_to_referring(episode, users, codes):
    plan = episode.follow_up_plan
    return services.assign_visits(actor=users["coordinator"], plan=plan, codes=codes, place=Visit.Place.REFERRING)


def test_the_referring_physician_records_a_visit_assigned_to_their_hospital(referred_infused, users):
    assign_to_referring(referred_infused, users, ["D7"])
    d7 = referred_infused.follow_up_plan.visits.get(code="D7")
    assert d7.center == referred_infused.patient.referring_center
    visit, _delay = services.record_visit(actor=users["referrer"], visit=d7, status=Visit.Status.DONE,
                                          on=referred_infused.follow_up_plan.d0 + dt.timedelta(days=1))
    assert visit.status == Visit.Status.DONE and visit.recorded_by == users["referrer"]
    entry = JournalEntry.objects.filter(action=JournalEntry.Action.VISIT_RECORDED).get()
    assert entry.actor == users["referrer"] and entry.patient_id == referred_infused.patient_id


def test_the_referring_physician_is_refused_a_visit_of_the_treating_center(referred_infused, users):
    assign_to_referring(referred_infused, users, ["D7"])
    d14 = referred_infused.follow_up_plan.visits.get(code="D14")  # stays at the treating center
    with pytest.raises(PermissionDenied):
        services.record_visit(actor=users["referrer"], visit=d14, status=Visit.Status.MISSED, on=TODAY)
    assert Visit.objects.get(pk=d14.pk).status == Visit.Status.PLANNED


def test_the_referring_physician_page_offers_only_their_visits(client_as, referred_infused, users):
    assign_to_referring(referred_infused, users, ["D7"])
    plan = referred_infused.follow_up_plan
    client = client_as("referrer")
    page = client.get(reverse("followup:episode", args=[referred_infused.pk])).content.decode()
    d7, d14 = plan.visits.get(code="D7"), plan.visits.get(code="D14")
    assert reverse("followup:visit_record", args=[d7.pk]) in page
    assert reverse("followup:visit_record", args=[d14.pk]) not in page
    assert client.get(reverse("followup:visit_record", args=[d14.pk])).status_code == 403
    assert client.get(reverse("followup:visit_record", args=[d7.pk])).status_code == 200


def test_the_follow_up_worklist_offers_each_visit_to_record_to_whoever_records_it(client_as, referred_infused, users):
    """D7 goes back to the referring hospital, D14 stays at the treating center: on the worklist the referring
    physician may record the first only, the coordinator both; each row names the visit and who records it."""
    assign_to_referring(referred_infused, users, ["D7"])
    plan = referred_infused.follow_up_plan
    plan.visits.filter(code="D14").update(due=TODAY + dt.timedelta(days=6))  # both due this week
    d7, d14 = plan.visits.get(code="D7"), plan.visits.get(code="D14")
    referrer = client_as("referrer").get(reverse("followup:worklist")).content.decode()
    this_week = referrer[referrer.index('id="fu-this_week"'):referrer.index('id="fu-awaiting"')]
    assert str(referred_infused.patient) in this_week and f"<strong>D7</strong> — {escape(str(d7.center))}" in this_week
    assert reverse("followup:visit_record", args=[d7.pk]) in this_week
    assert reverse("followup:visit_record", args=[d14.pk]) not in this_week
    coordinator = client_as("coordinator").get(reverse("followup:worklist")).content.decode()
    assert all(reverse("followup:visit_record", args=[visit.pk]) in coordinator for visit in (d7, d14))


def test_the_treating_center_sees_what_the_referring_hospital_entered(client_as, referred_infused, users):
    assign_to_referring(referred_infused, users, ["D7"])
    d7 = referred_infused.follow_up_plan.visits.get(code="D7")
    services.record_visit(actor=users["referrer"], visit=d7, status=Visit.Status.DONE,
                          on=referred_infused.follow_up_plan.d0 + dt.timedelta(days=1),
                          note="Vu en consultation à Valbourg")
    page = client_as("coordinator").get(reverse("followup:episode", args=[referred_infused.pk])).content.decode()
    assert "Vu en consultation à Valbourg" in page


def test_a_fever_on_the_call_puts_the_patient_on_the_haematologists_worklist(client_as, referred_infused, users):
    plan = referred_infused.follow_up_plan
    call = services.record_call(actor=users["coordinator"], plan=plan, answers={"fever": True, "temperature_c": 38.6},
                                note="Frissons depuis ce matin")
    assert call.escalated and call.escalation == ["fever"]
    assert not plan.calls.filter(status=Call.Status.PLANNED, due__lte=TODAY).exists()  # today's call is this one
    worklist = client_as("haematologist").get(reverse("pathway:worklist")).content.decode()
    assert "Calls that need a physician" in worklist and "Frissons depuis ce matin" in worklist
    assert reverse("followup:call_acknowledge", args=[call.pk]) in worklist
    services.acknowledge_call(actor=users["haematologist"], call=call)
    assert "Frissons depuis ce matin" not in client_as("haematologist").get(reverse("pathway:worklist")).content.decode()


def test_a_quiet_call_escalates_nothing(referred_infused, users):
    call = services.record_call(actor=users["coordinator"], plan=referred_infused.follow_up_plan,
                                answers={"fever": False, "confusion": False, "caregiver_present": True})
    assert not call.escalated and call.status == Call.Status.DONE


def test_the_api_records_a_visit_and_refuses_a_date_before_d0(api_as, referred_infused):
    api = api_as("haematologist")
    url = f"/api/v1/episodes/{referred_infused.pk}/followup"
    plan = api.get(url).json()
    assert [v["code"] for v in plan["visits"]][:4] == ["D7", "D14", "D28", "D100"]
    before = dt.date.fromisoformat(plan["d0"]) - dt.timedelta(days=1)
    refused = api.post(f"{url}/visits/D7", {"status": "done", "on": before.isoformat()}, content_type=JSON)
    assert refused.status_code == 422 and "on" in refused.json()["errors"]
    done = api.post(f"{url}/visits/D7", {"status": "done", "on": plan["d0"]}, content_type=JSON)
    assert done.status_code == 200 and done.json()["status"] == "done"
    response = api.post(f"{url}/responses", {"assessed_on": plan["d0"], "raw": {
        "deauville_score": 5, "uptake_change": "increased", "new_lesions": False}}, content_type=JSON)
    assert response.status_code == 201 and response.json()["category"] == "PMD"
    outcome = api.get(f"{url}/outcome").json()
    assert outcome["pfs_event"] is True and outcome["os_event"] is False
