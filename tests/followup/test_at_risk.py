"""The follow-up worklist. Patients at risk of being lost to follow-up: alive, still followed, and neither seen nor
heard of for 13 months, counted from D0, from the last visit done or from the last call that reached them (issue
#10); the worklist shows them the longest silence first, whatever the size of the registry (issue #14)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cellrelay.followup import services, worklist
from cellrelay.followup.models import FollowUpPlan, Visit
from cellrelay.patients.models import Patient
from tests.pathway.test_anchoring import infused_days_ago

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
QUIET = {"fever": False, "confusion": False, "caregiver_present": True}


@pytest.fixture
def infused(episode, users):
    return infused_days_ago(episode, users)


def at_risk_on(day: dt.date) -> list[FollowUpPlan]:
    return list(worklist.at_risk_of_loss(Patient.objects.all(), day))


def silence_ends(after: dt.date) -> tuple[dt.date, dt.date]:
    """The last day the patient is not yet at risk, and the first day they are, after a contact on ``after``."""
    first = after + dt.timedelta(days=worklist.LOST_AFTER_DAYS + 1)
    return first - dt.timedelta(days=1), first


def test_thirteen_months_without_contact_from_d0(infused):
    plan = infused.follow_up_plan
    not_yet, lost = silence_ends(plan.d0)
    assert at_risk_on(not_yet) == []
    assert at_risk_on(lost) == [plan]


def test_a_visit_done_or_a_call_answered_restarts_the_thirteen_months(infused, users):
    plan = infused.follow_up_plan
    services.record_visit(actor=users["coordinator"], visit=plan.visits.get(code="D7"), status=Visit.Status.DONE,
                          on=TODAY)
    not_yet, lost = silence_ends(TODAY)
    assert at_risk_on(not_yet) == [] and at_risk_on(lost) == [plan]

    services.record_call(actor=users["coordinator"], plan=plan, answers=QUIET, reached=False)
    assert at_risk_on(lost) == [plan]  # no answer: no contact
    services.record_call(actor=users["coordinator"], plan=plan, answers=QUIET)
    plan.refresh_from_db()
    assert plan.last_contact == TODAY


def test_a_visit_missed_is_no_contact(infused, users):
    plan = infused.follow_up_plan
    services.record_visit(actor=users["coordinator"], visit=plan.visits.get(code="D7"), status=Visit.Status.MISSED,
                          on=TODAY)
    assert at_risk_on(silence_ends(plan.d0)[1]) == [plan]


def test_a_follow_up_with_no_visit_left_is_not_at_risk(infused, users):
    plan = infused.follow_up_plan
    lost = silence_ends(plan.d0)[1]
    for visit in plan.visits.all():
        services.record_visit(actor=users["coordinator"], visit=visit, status=Visit.Status.LOST, on=TODAY)
    assert at_risk_on(lost) == []


def test_the_dead_are_not_at_risk(infused, users):
    services.record_death(actor=users["haematologist"], episode=infused, died_on=TODAY, cause="progression")
    assert at_risk_on(silence_ends(infused.follow_up_plan.d0)[1]) == []


def test_the_coordinators_page_names_the_patient_and_their_last_contact(client_as, infused):
    long_ago = TODAY - dt.timedelta(days=500)
    FollowUpPlan.objects.filter(pk=infused.follow_up_plan.pk).update(d0=long_ago - dt.timedelta(days=30),
                                                                     last_contact=long_ago)
    page = client_as("coordinator").get(reverse("followup:worklist")).content.decode()
    at_risk = page[page.index('id="fu-at_risk"'):]
    assert str(infused.patient) in at_risk and "(1)" in at_risk[:300]
    assert "last contact" in at_risk


def test_a_long_section_says_how_many_up_to_its_cap(client_as, infused, monkeypatch):
    """Beyond the cap the page says "N+" rather than reading every overdue visit of the registry to count them."""
    monkeypatch.setattr(worklist, "LIMIT", 1)
    monkeypatch.setattr(worklist, "COUNT_CAP", 2)
    Visit.objects.filter(plan=infused.follow_up_plan).update(due=TODAY - dt.timedelta(days=60),
                                                            latest=TODAY - dt.timedelta(days=30))
    overdue = {s.key: s for s in worklist.sections(Patient.objects.all(), TODAY)}["overdue"]
    assert len(overdue.rows) == 1 and overdue.count_text == "2+"
    page = client_as("coordinator").get(reverse("followup:worklist")).content.decode()
    assert "(2+)" in page and "The first 1 of 2+." in page


def test_a_long_sections_own_page_lists_every_line_a_page_at_a_time(client_as, infused, monkeypatch):
    """The worklist shows a section's first rows; "See them all" opens the section's own page, where the coordinator
    reaches every overdue visit, in the section's order, page after page."""
    from cellrelay.followup import views

    monkeypatch.setattr(worklist, "LIMIT", 1)
    monkeypatch.setattr(views, "SECTION_PAGE", 2)
    visits = list(Visit.objects.filter(plan=infused.follow_up_plan).order_by("pk")[:3])
    for days, visit in enumerate(visits):
        Visit.objects.filter(pk=visit.pk).update(due=TODAY - dt.timedelta(days=60 + days),
                                                 latest=TODAY - dt.timedelta(days=30 + days))
    client = client_as("coordinator")
    overview = client.get(reverse("followup:worklist")).content.decode()
    assert 'href="?section=overdue">See them all</a>' in overview
    first = client.get(reverse("followup:worklist"), {"section": "overdue"}).content.decode()
    second = client.get(reverse("followup:worklist"), {"section": "overdue", "page": 2}).content.decode()
    assert "3 lines" in first and "Page 1 of 2" in first and "Page 2 of 2" in second
    codes = [visit.display_code for visit in visits]
    # The latest window end first, as on the worklist: the first visit's, then the second's; the third on page 2.
    assert first.index(f"<strong>{codes[0]}</strong>") < first.index(f"<strong>{codes[1]}</strong>")
    assert f"<strong>{codes[2]}</strong>" in second and f"<strong>{codes[2]}</strong>" not in first
    french = client_as("coordinator", "fr").get(reverse("followup:worklist"), {"section": "overdue"}).content.decode()
    assert "3 lignes" in french and "Page 1 sur 2" in french
    # An unknown section is the worklist itself.
    assert 'id="fu-overdue"' in client.get(reverse("followup:worklist"), {"section": "nonsense"}).content.decode()
