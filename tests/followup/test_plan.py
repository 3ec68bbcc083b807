"""The follow-up plan is made at the infusion from the template's timepoints and counted from the actual D0;
visits are recorded within or outside their windows; impossible dates are refused (issue #10)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cellrelay.followup import services
from cellrelay.followup.models import Call, FollowUpPlan, Visit
from cellrelay.journal.models import JournalEntry
from cellrelay.pathway import services as pathway_services
from cellrelay.pathway.schedule import add_months
from tests.pathway.test_anchoring import infused_days_ago

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def infused(episode, users):
    return infused_days_ago(episode, users)


def dues(plan) -> dict[str, dt.date]:
    return dict(plan.visits.values_list("code", "due"))


def test_no_plan_before_the_infusion(episode):
    assert not FollowUpPlan.objects.filter(episode=episode).exists()


@pytest.mark.parametrize("late_by", [0, 2], ids=["infused-as-planned", "infused-2-days-late"])
def test_the_plan_counts_every_visit_from_the_actual_d0(episode, users, late_by):
    episode = infused_days_ago(episode, users, late_by=late_by)
    d0 = episode.milestones.get(code="D0").actual
    assert d0 == episode.milestones.get(code="D0").planned + dt.timedelta(days=late_by)
    plan = episode.follow_up_plan
    assert plan.d0 == d0
    expected = {"D7": d0 + dt.timedelta(days=7), "D14": d0 + dt.timedelta(days=14),
                "D28": d0 + dt.timedelta(days=28), "D100": d0 + dt.timedelta(days=100),
                "M6": add_months(d0, 6), "M12": add_months(d0, 12), "Y15": add_months(d0, 180)}
    assert {code: dues(plan)[code] for code in expected} == expected
    assert len(dues(plan)) == 20  # D7, D14, D28, M3 (D100), M6, M12, Y2…Y15


def test_windows_follow_the_site_setting(infused):
    d28 = infused.follow_up_plan.visits.get(code="D28")
    y2 = infused.follow_up_plan.visits.get(code="Y2")
    assert (d28.due - d28.earliest).days == 2 and (d28.latest - d28.due).days == 2  # followup.md: ± 2 days to D28
    assert (y2.due - y2.earliest).days == 30 and (y2.latest - y2.due).days == 30  # ± 30 days yearly


def test_a_discharge_or_a_visit_moves_no_other_visit(infused, users):
    plan = infused.follow_up_plan
    before = dues(plan)
    pathway_services.advance(actor=users["wardnurse"], episode=infused, target="discharged", on=TODAY,
                             expected_version=None)
    d7 = plan.visits.get(code="D7")
    services.record_visit(actor=users["haematologist"], visit=d7, status=Visit.Status.DONE,
                          on=min(TODAY, d7.latest), note="")
    assert dues(FollowUpPlan.objects.get(pk=plan.pk)) == before


def test_the_standard_track_from_the_template(episode, users):
    episode.template.follow_up = "D100 M6 M12 Y2 Y3 Y4 Y5 Y6 Y8 Y10 Y12 Y14"
    episode.template.save()
    episode = infused_days_ago(episode, users)
    assert list(dues(episode.follow_up_plan)) == ["D100", "M6", "M12", "Y2", "Y3", "Y4", "Y5", "Y6", "Y8", "Y10",
                                                  "Y12", "Y14"]


def test_the_plan_is_journaled_with_the_infusion(infused):
    entry = JournalEntry.objects.filter(action=JournalEntry.Action.FOLLOWUP_PLANNED).get()
    assert entry.patient_id == infused.patient_id and entry.after["d0"] == infused.follow_up_plan.d0.isoformat()


def test_calls_are_planned_daily_then_twice_a_month(infused):
    plan = infused.follow_up_plan
    planned = sorted(plan.calls.filter(status=Call.Status.PLANNED).values_list("due", flat=True))
    assert planned[0] == TODAY  # from today on: the days already past are not planned after the fact
    daily = [day for day in planned if day <= plan.daily_calls_until]
    assert daily == [TODAY + dt.timedelta(days=n) for n in range(len(daily))]
    assert plan.daily_calls_until == plan.d0 + dt.timedelta(days=infused.template.proximity_days)


# Recording visits ------------------------------------------------------------------------------------------------

def test_a_visit_outside_its_window_is_accepted_with_its_delay(infused, users):
    d7 = infused.follow_up_plan.visits.get(code="D7")
    on = d7.earliest - dt.timedelta(days=3)
    if on < infused.follow_up_plan.d0:
        on = infused.follow_up_plan.d0
    visit, delay = services.record_visit(actor=users["haematologist"], visit=d7, status=Visit.Status.DONE, on=on)
    assert visit.status == Visit.Status.DONE and visit.done_on == on
    assert delay == (on - d7.earliest).days < 0


@pytest.mark.parametrize("when", ["before_d0", "future"])
def test_impossible_visit_dates_are_refused_and_nothing_saved(infused, users, when):
    d7 = infused.follow_up_plan.visits.get(code="D7")
    on = infused.follow_up_plan.d0 - dt.timedelta(days=1) if when == "before_d0" else TODAY + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.record_visit(actor=users["haematologist"], visit=d7, status=Visit.Status.DONE, on=on)
    assert "on" in refused.value.message_dict
    assert Visit.objects.get(pk=d7.pk).status == Visit.Status.PLANNED


def test_a_date_after_death_is_refused_and_a_second_death_too(infused, users):
    plan = infused.follow_up_plan
    died_on = plan.d0 + dt.timedelta(days=1)
    services.record_death(actor=users["haematologist"], episode=infused, died_on=died_on, cause="non_relapse",
                          toxicity="crs")
    assert not plan.visits.filter(status=Visit.Status.PLANNED).exists()
    assert not plan.calls.filter(status=Call.Status.PLANNED).exists()
    with pytest.raises(ValidationError) as refused:
        services.record_blood_count(actor=users["haematologist"], episode=infused, sampled_on=died_on +
                                    dt.timedelta(days=1), anc_per_ul=400)
    assert "sampled_on" in refused.value.message_dict
    with pytest.raises(ValidationError) as twice:
        services.record_death(actor=users["haematologist"], episode=infused, died_on=died_on, cause="progression")
    assert "died_on" in twice.value.message_dict


def test_a_non_relapse_death_names_its_cause(infused, users):
    with pytest.raises(ValidationError) as refused:
        services.record_death(actor=users["haematologist"], episode=infused, died_on=TODAY, cause="non_relapse")
    assert "toxicity" in refused.value.message_dict


def test_a_response_without_the_criteria_fields_is_refused(infused, users):
    with pytest.raises(ValidationError) as refused:
        services.record_response(actor=users["haematologist"], episode=infused, assessed_on=TODAY, criteria="lugano",
                                 raw={"deauville_score": 4, "new_lesions": False})
    assert "uptake_change" in refused.value.message_dict
    recorded = services.record_response(actor=users["haematologist"], episode=infused, assessed_on=TODAY,
                                        criteria="lugano", raw={"deauville_score": 2, "uptake_change": "reduced",
                                                                "new_lesions": False})
    assert recorded.category == "CMR" and not recorded.is_progression
