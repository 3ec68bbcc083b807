"""The episode's documents: the calendar export and the patient's one-page plan, as users get them."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation
from icalendar import Calendar

from cellrelay.formats import weekday
from cellrelay.journal.models import JournalEntry
from cellrelay.pathway import services
from cellrelay.pathway.documents import drug_lines
from cellrelay.pathway.models import Milestone
from cellrelay.pathway.schedule import add_months
from cellrelay.pathway.states import State, StopReason
from tests.conftest import open_episode

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def planned_episode(org, patient):
    """An approved Yescarta episode, planned for an infusion on a weekday about 60 days from today."""
    d0 = TODAY + dt.timedelta(days=60)
    while d0.weekday() >= 5:
        d0 += dt.timedelta(days=1)
    episode = open_episode(org, patient)
    return services.plan_schedule(actor=org["users"]["coordinator"], episode=episode, expected_version=None,
                                  infusion_date=d0)


@pytest.fixture
def planned(org, patient):
    return planned_episode(org, patient)


def ical_url(episode):
    return reverse("pathway:episode_ical", args=[episode.pk])


def pdf_url(episode):
    return reverse("pathway:episode_plan_pdf", args=[episode.pk])


def events(response) -> list:
    return Calendar.from_ical(response.content).walk("VEVENT")


def reads(patient) -> int:
    return JournalEntry.objects.filter(action=JournalEntry.Action.PATIENT_READ, patient_id=patient.pk).count()


# Calendar ------------------------------------------------------------------------------------------

def test_the_calendar_has_one_all_day_event_per_step(client_as, planned, patient):
    response = client_as("coordinator").get(ical_url(planned))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"] == f'attachment; filename="plan-{planned.pk}.ics"'
    found = events(response)
    milestones = list(planned.milestones.order_by("sequence"))
    visits = planned.template.timepoints()  # the follow-up visits the template plans from D0, D7 to Y15
    assert len(found) == len(milestones) + len(visits)
    by_uid = {str(e["UID"]): e for e in found}
    for m in milestones:
        event = by_uid[f"milestone-{m.pk}@cellrelay"]
        assert event.decoded("DTSTART") == m.planned  # a date, not a date-time: an all-day event
        assert str(event["SUMMARY"]) == f"cellrelay — {m.label} — GARNIER"
    d0 = planned.milestones.get(code="D0").planned
    m6 = by_uid[f"visit-{planned.pk}-M6@cellrelay"]
    assert m6.decoded("DTSTART") == add_months(d0, 6)
    assert str(m6["SUMMARY"]) == "cellrelay — Follow-up visit M6 — GARNIER"


def test_the_uids_are_stable_from_one_download_to_the_next(client_as, planned):
    client = client_as("coordinator")
    first = {str(e["UID"]) for e in events(client.get(ical_url(planned)))}
    assert first == {str(e["UID"]) for e in events(client.get(ical_url(planned)))}


def test_a_lymphodepletion_day_gives_drugs_and_doses(client_as, planned):
    ld1 = planned.milestones.get(code="LD1")
    event = next(e for e in events(client_as("coordinator").get(ical_url(planned)))
                 if str(e["UID"]) == f"milestone-{ld1.pk}@cellrelay")
    description = str(event["DESCRIPTION"])
    fludarabine = next(d for d in ld1.drugs if d["drug"] == "fludarabine")
    assert fludarabine["dose_mg"]  # the patient has a weight and a height
    assert "fludarabine 30 mg/m²" in description and "cyclophosphamide 500 mg/m²" in description
    assert f"{fludarabine['dose_mg']:g} mg" in description
    assert description.count(" mg/m²") == len(drug_lines(ld1)) == 2


def test_the_calendar_speaks_the_users_language(client_as, planned):
    ld1 = planned.milestones.get(code="LD1")
    response = client_as("coordinator", "fr").get(ical_url(planned))
    event = next(e for e in events(response) if str(e["UID"]) == f"milestone-{ld1.pk}@cellrelay")
    with translation.override("fr"):
        summary, french_day = f"cellrelay — {ld1.label} — GARNIER", formats.date_format(ld1.planned, "DATE_FORMAT")
    with translation.override("en"):
        english_day = formats.date_format(ld1.planned, "DATE_FORMAT")
    assert str(event["SUMMARY"]) == summary
    assert french_day in str(event["DESCRIPTION"]) and french_day != english_day
    assert english_day not in str(event["DESCRIPTION"])


def test_cancelled_steps_are_left_out(client_as, org, planned):
    actor = org["users"]["coordinator"]
    episode = services.advance(actor=actor, episode=planned, target=State.COLLECTED, on=TODAY, expected_version=None)
    services.stop_episode(actor=actor, episode=episode, reason=StopReason.PROGRESSION, on=TODAY,
                          expected_version=None)
    assert planned.milestones.filter(status=Milestone.Status.CANCELLED).count() == planned.milestones.count() - 1
    found = events(client_as("coordinator").get(ical_url(planned)))
    apheresis = planned.milestones.get(code="APH")
    assert [str(e["UID"]) for e in found] == [f"milestone-{apheresis.pk}@cellrelay"]
    assert found[0].decoded("DTSTART") == TODAY  # done today: the actual date


# The patient's plan ---------------------------------------------------------------------------------

def page_count(pdf: bytes) -> int:
    return pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")


def test_the_plan_is_one_page_with_the_patient_and_the_dates(client_as, planned):
    response = client_as("coordinator").get(pdf_url(planned))
    pdf = response.content
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert pdf.startswith(b"%PDF") and page_count(pdf) == 1
    assert b"GARNIER Michel" in pdf and b"Birth date" in pdf and b"14 May 1962" in pdf
    assert b"Yescarta" in pdf and b"CHU de Montclair" in pdf
    d0 = planned.milestones.get(code="D0").planned
    with translation.override("en"):
        assert weekday(d0).encode() in pdf
    assert b"LD1" in pdf and b"D28" in pdf and b"M12" in pdf and b"visit Y2" not in pdf  # first year only
    assert b"38" in pdf and b"1 hour" in pdf and b"caregiver" in pdf and b"alert card" in pdf


def test_the_plan_gives_no_drug_and_no_dose(client_as, planned):
    pdf = client_as("coordinator").get(pdf_url(planned)).content
    assert b"fludarabine" not in pdf and b"cyclophosphamide" not in pdf and b"mg/m" not in pdf


def test_the_plan_in_french_when_asked(client_as, planned):
    pdf = client_as("coordinator").get(pdf_url(planned), {"lang": "fr"}).content
    weekday = {0: b"Lundi", 1: b"Mardi", 2: b"Mercredi", 3: b"Jeudi", 4: b"Vendredi"}
    d0 = planned.milestones.get(code="D0").planned
    assert page_count(pdf) == 1 and b"GARNIER Michel" in pdf
    assert b"Date de naissance" in pdf and b"Birth date" not in pdf
    assert weekday[d0.weekday()] in pdf


def test_the_plan_follows_the_users_language_by_default(client_as, planned):
    pdf = client_as("coordinator", "fr").get(pdf_url(planned)).content
    assert b"Date de naissance" in pdf
    pdf = client_as("coordinator", "fr").get(pdf_url(planned), {"lang": "en"}).content
    assert b"Birth date" in pdf


# Access and journal ---------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [ical_url, pdf_url])
def test_an_outsider_gets_404_and_nothing_is_journaled(client_as, planned, patient, url):
    before = reads(patient)
    assert client_as("outsider").get(url(planned)).status_code == 404
    assert reads(patient) == before


@pytest.mark.parametrize("url", [ical_url, pdf_url])
def test_an_unknown_episode_is_404(client_as, planned, url):
    planned.pk += 1000
    assert client_as("coordinator").get(url(planned)).status_code == 404


@pytest.mark.parametrize("username, status", [("manager", 403), ("admin", 403)])
def test_roles_without_patient_access_are_refused(client_as, planned, username, status):
    assert client_as(username).get(ical_url(planned)).status_code == status
    assert client_as(username).get(pdf_url(planned)).status_code == status


def test_anonymous_visitors_go_to_the_login_page(client, planned):
    response = client.get(pdf_url(planned))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("url", [ical_url, pdf_url])
def test_each_download_is_a_journaled_read(client_as, planned, patient, users, url):
    before = reads(patient)
    client = client_as("wardnurse")
    client.get(url(planned))
    client.get(url(planned))
    entries = JournalEntry.objects.filter(action=JournalEntry.Action.PATIENT_READ, patient_id=patient.pk)
    assert entries.count() == before + 2
    assert entries.order_by("-pk").first().actor == users["wardnurse"]


def test_documents_are_not_cached(client_as, planned):
    for url in (ical_url, pdf_url):
        assert "no-store" in client_as("coordinator").get(url(planned))["Cache-Control"]
