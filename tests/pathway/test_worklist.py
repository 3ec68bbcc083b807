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


def test_a_team_with_no_steps_of_its_own_sees_none(client_as, scheduled):
    page = client_as("coordinator").get("/worklist/", {"team": "icu"})
    assert page.status_code == 200 and not any(teams for _code, _label, teams in page.context["buckets"])


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


def unit_steps(episode, count, offset):
    """Move `count` of the unit's planned steps to `offset` days from today."""
    steps = list(episode.milestones.filter(status=Milestone.Status.PLANNED)
                 .exclude(kind__in=["apheresis", "product_receipt", "rest"]).order_by("sequence")[:count])
    Milestone.objects.filter(pk__in=[m.pk for m in steps]).update(planned=TODAY + dt.timedelta(days=offset))
    return steps


def test_a_section_shows_its_first_steps_with_its_count_and_the_rest_a_page_away(client_as, scheduled,
                                                                                   monkeypatch):
    monkeypatch.setattr(worklist, "SECTION_CAP", 2)
    unit_steps(scheduled, 3, -1)
    client = client_as("coordinator")
    page = client.get("/worklist/")
    (unit,) = [items for code, _l, teams in page.context["buckets"] if code == "overdue"
               for team, _n, items, _t, _u, _h in teams if team == "unit"]
    assert len(unit) == 2
    html = page.content.decode()
    assert "Showing the first 2 of 3 steps." in html and "/worklist/?team=unit&amp;bucket=overdue" in html
    everything = client.get("/worklist/", {"team": "unit", "bucket": "overdue"})
    assert len(everything.context["page"].object_list) == 2 and everything.context["page"].paginator.count == 3
    second = client.get("/worklist/", {"team": "unit", "bucket": "overdue", "page": 2})
    assert len(second.context["page"].object_list) == 1


def test_a_full_section_shows_its_first_steps_and_how_many_up_to_a_cap(client_as, scheduled, monkeypatch):
    """Beyond the count's cap the page says "N+" rather than reading every overdue step of the registry."""
    monkeypatch.setattr(worklist, "SECTION_CAP", 2)
    monkeypatch.setattr(worklist, "COUNT_CAP", 3)
    unit_steps(scheduled, 5, -1)
    page = client_as("coordinator").get("/worklist/")
    (found,) = [found for code, _l, teams in page.context["buckets"] if code == "overdue"
                for team, _n, items, found, _u, _h in teams if team == "unit"]
    assert len(found.rows) == 2 and found.count_text == "3+"
    assert "Showing the first 2 of 3+ steps." in page.content.decode()
    assert "Les 2 premières étapes sur 3+." in client_as("coordinator", "fr").get("/worklist/").content.decode()


def test_a_section_of_more_than_a_hundred_steps_says_100_plus_and_its_own_page_gives_the_figure(client_as, scheduled):
    """A team acts on the first rows: the worklist counts a section up to a hundred, its own page counts them all."""
    Milestone.objects.bulk_create(Milestone(episode=scheduled, kind="admission", code=f"X{n}", sequence=100 + n,
                                            day=0, planned=TODAY - dt.timedelta(days=1)) for n in range(120))
    client = client_as("coordinator")
    html = client.get("/worklist/").content.decode()
    assert f"Showing the first {worklist.SECTION_CAP} of 100+ steps." in html
    assert f"Les {worklist.SECTION_CAP} premières étapes sur 100+." in client_as("coordinator", "fr").get(
        "/worklist/").content.decode()
    everything = client.get("/worklist/", {"team": "unit", "bucket": "overdue"})
    assert everything.context["page"].paginator.count >= 120


def test_each_section_lists_its_steps_in_the_order_due_and_only_the_user_s_patients(scheduled, patient):
    steps = unit_steps(scheduled, 3, -2)
    work = worklist.build(patient.__class__.objects.filter(pk=patient.pk), TODAY, "unit")
    assert [m.pk for m in work.overdue["unit"]] == [m.pk for m in sorted(steps, key=lambda m: m.sequence)]
    assert set(work.sections) == {("overdue", "unit")} and work.sections["overdue", "unit"].count == 3
    assert worklist.build(patient.__class__.objects.none(), TODAY).is_empty


def test_steps_overdue_beyond_the_window_are_behind_their_own_link(client_as, scheduled):
    late = unit_steps(scheduled, 1, -(worklist.OVERDUE_WINDOW_DAYS + 10))
    client = client_as("coordinator", "fr")
    page = client.get("/worklist/")
    listed = [row.milestone.pk for _code, _label, teams in page.context["buckets"]
              for _t, _n, items, _c, _u, _h in teams for row in items]
    assert listed and late[0].pk not in listed
    html = page.content.decode()
    assert "Étapes en retard de plus de 30 jours" in html and "/worklist/?bucket=older" in html
    older = client.get("/worklist/", {"bucket": "older"})
    assert [m.pk for m in older.context["page"].object_list] == [late[0].pk]
    assert worklist.bucket_of(TODAY - dt.timedelta(days=worklist.OVERDUE_WINDOW_DAYS + 1), TODAY) == "older"
