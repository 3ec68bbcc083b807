"""The coordinator's worklist: overdue, today, this week; grouped by team; only open episodes."""

import datetime as dt

import pytest
from django.utils import timezone

from cellrelay.pathway import services, worklist
from cellrelay.pathway.models import Milestone
from cellrelay.pathway.states import StopReason
from tests.conftest import open_episode, register

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.mark.parametrize("offset, bucket", [(-30, "overdue"), (-1, "overdue"), (0, "today"), (1, "week"),
                                            (6, "week"), (7, None), (40, None)])
def test_buckets(offset, bucket):
    assert worklist.bucket_of(TODAY + dt.timedelta(days=offset), TODAY) == bucket


@pytest.fixture
def scheduled(org, users, patient):
    """An episode whose apheresis was planned 3 days ago and not recorded: it is overdue."""
    from cellrelay.pathway.schedule import previous_working_day

    episode = open_episode(org, patient)
    apheresis = previous_working_day(TODAY - dt.timedelta(days=3))
    return services.plan_schedule(actor=users["coordinator"], episode=episode, expected_version=None,
                                  apheresis_date=apheresis, allow_past=True)


def test_an_unrecorded_apheresis_is_overdue_for_the_apheresis_team(scheduled, patient):
    work = worklist.build(patient.__class__.objects.all(), TODAY)
    assert [m.code for m in work.overdue["apheresis"]] == ["APH"]
    assert "pharmacy" not in work.overdue


def test_steps_planned_today_and_this_week(scheduled, patient):
    d0 = scheduled.milestones.get(code="D0")
    Milestone.objects.filter(pk=d0.pk).update(planned=TODAY)
    discharge = scheduled.milestones.get(code="DIS")
    Milestone.objects.filter(pk=discharge.pk).update(planned=TODAY + dt.timedelta(days=3))
    work = worklist.build(patient.__class__.objects.all(), TODAY)
    assert [m.code for m in work.today["unit"]] == ["D0"]
    assert [m.code for m in work.week["unit"]] == ["DIS"]


def test_stopped_episodes_leave_the_worklist(scheduled, patient, users):
    services.stop_episode(actor=users["coordinator"], episode=scheduled, reason=StopReason.PROGRESSION, on=TODAY,
                          expected_version=None)
    assert worklist.build(patient.__class__.objects.all(), TODAY).is_empty


def test_the_worklist_page_shows_overdue_in_a_word_and_links_to_the_step(client_as, scheduled, users):
    page = client_as("coordinator").get("/worklist/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Overdue" in html and "overdue</strong>" in html
    assert f"/episodes/{scheduled.pk}/next/" in html
    assert "GARNIER Michel" in html


def test_the_coordinator_lands_on_the_worklist(client_as, org):
    assert client_as("coordinator").get("/")["Location"] == "/worklist/"


def test_another_centers_worklist_does_not_show_this_patient(client_as, scheduled):
    assert "GARNIER" not in client_as("outsider").get("/worklist/").content.decode()


def test_other_patients_of_the_center_appear_too(org, users, scheduled, client_as):
    other = register(org, family="Second", serial=55)
    from cellrelay.pathway.schedule import previous_working_day

    services.plan_schedule(actor=users["coordinator"], episode=open_episode(org, other, product="kymriah"),
                           expected_version=None, apheresis_date=previous_working_day(TODAY - dt.timedelta(days=2)),
                           allow_past=True)
    html = client_as("haematologist").get("/worklist/").content.decode()
    assert "GARNIER Michel" in html and "SECOND Michel" in html
