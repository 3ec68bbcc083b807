"""The dates after the infusion stay counted from the actual D0, whatever step is recorded or moved, and
the schedule, the calendar and the patient's printed plan say so (issue "Trust what exists")."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import formats, timezone
from icalendar import Calendar

from cellrelay.followup import services as followup_services
from cellrelay.followup.models import Visit
from cellrelay.monitoring import services as monitoring_services
from cellrelay.pathway import services
from cellrelay.pathway.schedule import add_months
from cellrelay.pathway.states import State
from tests.pathway.test_episode import next_weekday, plan_from_past_apheresis, walk_to

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def counted_from(d0: dt.date) -> dict[str, dt.date]:
    """Where the dates after the infusion belong (followup.md, products.md), for the default Yescarta template: the
    pathway's steps, then the follow-up plan's visits."""
    days = {"DIS": 14, "PROX": 28, "DRV": 56, "D7": 7, "D14": 14, "D28": 28, "D100": 100}
    return {**{code: d0 + dt.timedelta(days=n) for code, n in days.items()},
            "M6": add_months(d0, 6), "M12": add_months(d0, 12), "Y15": add_months(d0, 180)}


def planned(episode) -> dict[str, dt.date]:
    """The pathway's planned dates and, once infused, the follow-up visits' due dates."""
    visits = Visit.objects.filter(plan__episode=episode).values_list("code", "due")
    return dict(episode.milestones.values_list("code", "planned")) | dict(visits)


def infused_days_ago(episode, users, *, late_by: int = 0):
    """An episode infused a few days ago (D+3 to D+5), ``late_by`` days after the planned D0, now under watch."""
    episode = walk_to(plan_from_past_apheresis(episode, users, days_ago=38 + late_by), users, State.LYMPHODEPLETION)
    for ld in episode.milestones.filter(kind="lymphodepletion", status="planned"):
        services.record_step(actor=users["wardnurse"], milestone=ld, on=ld.planned, expected_version=None)
    monitoring_services.update_checklist(actor=users["neurologist"], episode=episode, consultation_on=TODAY,
                                         mri_on=TODAY, eeg_on=TODAY)
    d0 = episode.milestones.get(code="D0").planned + dt.timedelta(days=late_by)
    episode = services.advance(actor=users["wardnurse"], episode=episode, target=State.INFUSED, on=d0,
                               expected_version=None)
    return services.advance(actor=users["wardnurse"], episode=episode, target=State.ACUTE_MONITORING, on=d0,
                            expected_version=None)


@pytest.mark.parametrize("late_by", [0, 2], ids=["infused-as-planned", "infused-2-days-late"])
def test_an_early_discharge_leaves_every_date_after_the_infusion_counted_from_d0(episode, users, late_by):
    episode = infused_days_ago(episode, users, late_by=late_by)
    d0 = episode.milestones.get(code="D0").actual
    assert TODAY < episode.milestones.get(code="DIS").planned  # the walk-through: discharged ~10 days early

    services.advance(actor=users["wardnurse"], episode=episode, target=State.DISCHARGED, on=TODAY,
                     expected_version=None)

    expected = counted_from(d0)
    del expected["DIS"]  # done today: its planned date is the plan's, its actual date today
    assert {code: planned(episode)[code] for code in expected} == expected
    assert episode.milestones.get(code="DIS").actual == TODAY


def test_a_visit_done_early_moves_no_other_date(episode, users):
    episode = infused_days_ago(episode, users)
    before = planned(episode)
    d7 = Visit.objects.get(plan__episode=episode, code="D7")
    followup_services.record_visit(actor=users["haematologist"], visit=d7, status=Visit.Status.DONE, on=TODAY)
    assert planned(episode) == before


def test_moving_the_discharge_moves_no_other_date(episode, users):
    episode = services.plan_schedule(actor=users["coordinator"], episode=episode, expected_version=None,
                                     infusion_date=next_weekday(60))
    before = planned(episode)
    discharge = episode.milestones.get(code="DIS")
    services.replan_milestone(actor=users["coordinator"], milestone=discharge,
                              planned=discharge.planned + dt.timedelta(days=3), expected_version=None)
    after = planned(episode)
    assert after["DIS"] == before["DIS"] + dt.timedelta(days=3)
    assert {code: day for code, day in after.items() if code != "DIS"} == {
        code: day for code, day in before.items() if code != "DIS"}


def test_the_calendar_and_the_printed_plan_keep_the_stay_near_the_center_after_an_early_discharge(
        client_as, episode, users):
    episode = infused_days_ago(episode, users)
    d0 = episode.milestones.get(code="D0").actual
    services.advance(actor=users["wardnurse"], episode=episode, target=State.DISCHARGED, on=TODAY,
                     expected_version=None)
    client = client_as("coordinator")

    calendar = Calendar.from_ical(client.get(reverse("pathway:episode_ical", args=[episode.pk])).content)
    prox = episode.milestones.get(code="PROX")
    event = next(e for e in calendar.walk("VEVENT") if str(e["UID"]) == f"milestone-{prox.pk}@cellrelay")
    assert event.decoded("DTSTART") == d0 + dt.timedelta(days=28)

    pdf = client.get(reverse("pathway:episode_plan_pdf", args=[episode.pk]), {"lang": "en"}).content
    until = formats.date_format(d0 + dt.timedelta(days=28), "DATE_FORMAT")
    assert f"Stay within 1 hour of the center until {until}, with a caregiver.".encode() in pdf
    no_driving_until = formats.date_format(d0 + dt.timedelta(days=56), "DATE_FORMAT")
    assert f"Do not drive or operate machines until {no_driving_until}.".encode() in pdf


def test_the_record_page_says_which_dates_move(client_as, episode, users):
    episode = infused_days_ago(episode, users)
    client = client_as("wardnurse")
    proximity_end = episode.milestones.get(code="PROX")
    page = client.get(reverse("pathway:milestone_record", args=[proximity_end.pk])).content.decode()
    assert "No other date changes: the dates after the infusion stay counted from D0." in page
    assert "Later planned dates move by the same number of days." not in page
