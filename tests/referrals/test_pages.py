"""The referral and RCP pages as staff and referring physicians use them."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from reportlab import rl_config

from cellrelay.journal.models import JournalEntry
from cellrelay.pathway.models import Episode
from cellrelay.referrals import services
from cellrelay.referrals.models import MdtDecision, Referral
from tests.conftest import register

pytestmark = pytest.mark.django_db

LETTER = b"%PDF-1.4\nLettre d'adressage du Dr Roux\n%%EOF\n"
FORM = {"received_on": "2026-01-05", "diagnosis": "lbcl", "prior_lines": "2", "prior_transplant": "autologous",
        "current_status": "refractory"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def referral(org, users, patient):
    return services.create_referral(
        actor=users["coordinator"], patient=patient, from_center=org["referring"][0],
        received_on=timezone.localdate(), diagnosis="lbcl", prior_lines=3, prior_transplant="autologous",
        current_status="relapsed", from_physician_name="Dr Anne Roux",
        letter=SimpleUploadedFile("lettre-roux.pdf", LETTER, content_type="application/pdf"))


@pytest.fixture
def meeting(org, users, referral):
    meeting = services.create_meeting(actor=users["haematologist"], center=org["treating"],
                                      held_on=timezone.localdate(), title="RCP lymphomes",
                                      attendees=[users["haematologist"], users["coordinator"]])
    services.add_to_agenda(actor=users["coordinator"], meeting=meeting, referral=referral)
    return meeting


def download(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_coordinator_records_a_referral_with_its_letter_and_downloads_it(client_as, org, patient):
    client = client_as("coordinator")
    letter = SimpleUploadedFile("courrier.pdf", LETTER, content_type="application/pdf")
    response = client.post(f"/patients/{patient.pk}/referrals/new/", {
        **FORM, "from_center": org["referring"][0].pk, "from_physician_name": "Dr Anne Roux", "letter": letter})
    referral = Referral.objects.get(patient=patient)
    assert response.status_code == 302 and response["Location"] == f"/referrals/{referral.pk}/"
    assert referral.from_center == org["referring"][0] and referral.created_by.username == "coordinator"

    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert "Dr Anne Roux" in page and f"/referrals/{referral.pk}/letter/" in page
    reads = JournalEntry.objects.filter(action="patient.read").count()
    letter_response = client.get(f"/referrals/{referral.pk}/letter/")
    assert letter_response.status_code == 200 and download(letter_response) == LETTER
    assert letter_response["Content-Disposition"].startswith("attachment")
    assert JournalEntry.objects.filter(action="patient.read").count() == reads + 1


def test_the_referral_form_names_the_missing_physician(client_as, org, patient):
    page = client_as("coordinator").post(f"/patients/{patient.pk}/referrals/new/",
                                         {**FORM, "from_center": org["referring"][0].pk})
    assert page.status_code == 200 and 'id="id_from_physician_name-error"' in page.content.decode()
    assert not Referral.objects.exists()


def test_the_outsider_sees_neither_the_referral_nor_its_letter_nor_the_meeting(client_as, referral, meeting):
    client = client_as("outsider")
    for url in [f"/referrals/{referral.pk}/", f"/referrals/{referral.pk}/letter/", f"/rcp/{meeting.pk}/",
                f"/rcp/{meeting.pk}/minutes.pdf", f"/rcp/{meeting.pk}/decide/{referral.pk}/"]:
        assert client.get(url).status_code == 404, url
    assert list(client.get("/referrals/").context["referrals"]) == []
    assert meetings_listed(client.get("/rcp/")) == []


def test_a_referring_physician_refers_in_their_own_name_and_sees_only_their_referrals(client_as, org, users,
                                                                                      referred_patient):
    client = client_as("referrer")
    form = client.get(f"/patients/{referred_patient.pk}/referrals/new/").context["form"]
    assert "from_physician_name" not in form.fields and form["from_center"].is_hidden
    response = client.post(f"/patients/{referred_patient.pk}/referrals/new/",
                           {**FORM, "from_center": org["referring"][0].pk})
    referral = Referral.objects.get(patient=referred_patient)
    assert response.status_code == 302
    assert referral.from_physician == users["referrer"] and referral.from_center == org["referring"][0]
    assert list(client.get("/referrals/").context["referrals"]) == [referral]
    assert "Awaiting decision" in client.get(f"/referrals/{referral.pk}/").content.decode()
    assert client_as("referrer2").get(f"/referrals/{referral.pk}/").status_code == 404


def test_a_referring_physician_cannot_refer_from_another_hospital(client_as, org, referred_patient):
    page = client_as("referrer").post(f"/patients/{referred_patient.pk}/referrals/new/",
                                      {**FORM, "from_center": org["referring"][1].pk})
    assert page.status_code == 200 and page.context["form"].errors["from_center"]
    assert not Referral.objects.exists()


def test_the_haematologist_plans_a_meeting_and_puts_a_referral_on_its_agenda(client_as, org, users, referral):
    client = client_as("haematologist")
    response = client.post("/rcp/new/", {"center": org["treating"].pk, "held_on": "2026-02-03",
                                         "title": "RCP régionale", "attendees": [users["coordinator"].pk],
                                         "external_attendees": "Dr Roux (CH Val-d'Arve)"})
    meeting = org["treating"].mdt_meetings.get()
    assert response["Location"] == f"/rcp/{meeting.pk}/"
    assert list(meeting.attendees.all()) == [users["coordinator"]]
    client.post(f"/rcp/{meeting.pk}/agenda/", {"referral": referral.pk})
    page = client.get(f"/rcp/{meeting.pk}/").content.decode()
    assert "GARNIER Michel" in page and f"/rcp/{meeting.pk}/decide/{referral.pk}/" in page


def test_attendees_come_from_the_meetings_center(client_as, org, users, outsider):
    page = client_as("haematologist").post("/rcp/new/", {"center": org["treating"].pk, "held_on": "2026-02-03",
                                                         "attendees": [outsider.pk]})
    assert page.status_code == 200 and page.context["form"].errors["attendees"]
    assert not org["treating"].mdt_meetings.exists()


def test_approving_through_the_page_opens_the_episode(client_as, meeting, referral):
    response = client_as("haematologist").post(f"/rcp/{meeting.pk}/decide/{referral.pk}/", {
        "outcome": "approved", "product": "yescarta", "indication": "lbcl", "reason": "typed by mistake"})
    episode = Episode.objects.get(decision__referral=referral)
    assert response.status_code == 302 and response["Location"] == reverse("pathway:episode", args=[episode.pk])
    assert episode.decision.reason == ""  # only the fields of the chosen outcome are recorded
    page = client_as("haematologist").get(f"/rcp/{meeting.pk}/").content.decode()
    assert "Approved" in page and f"/decide/{referral.pk}/" not in page


@pytest.mark.parametrize("language", ["en", "fr"])
def test_approving_without_a_product_shows_the_error_beside_the_field(client_as, meeting, referral, language):
    before = MdtDecision.objects.count(), Episode.objects.count()
    page = client_as("coordinator", language).post(f"/rcp/{meeting.pk}/decide/{referral.pk}/",
                                                   {"outcome": "approved", "indication": "lbcl"})
    html = page.content.decode()
    with translation.override(language):
        expected = translation.gettext("An approval names the product and the indication.")
    assert page.status_code == 200 and f'<html lang="{language}">' in html
    assert f'<p class="error" id="id_product-error" role="alert">{expected}</p>' in html
    assert (MdtDecision.objects.count(), Episode.objects.count()) == before


def test_a_decision_without_an_outcome_is_asked_for_in_french(client_as, meeting, referral):
    page = client_as("coordinator", "fr").post(f"/rcp/{meeting.pk}/decide/{referral.pk}/",
                                               {"product": "", "indication": "", "reason": ""})
    assert '<p class="error" id="id_outcome-error" role="alert">Ce champ est obligatoire.</p>' in page.content.decode()
    assert not MdtDecision.objects.exists()


def test_the_pharmacist_reads_the_meeting_but_does_not_decide(client_as, meeting, referral):
    client = client_as("pharmacist")
    page = client.get(f"/rcp/{meeting.pk}/")
    assert page.status_code == 200 and f"/decide/{referral.pk}/" not in page.content.decode()
    assert client.get(f"/rcp/{meeting.pk}/decide/{referral.pk}/").status_code == 403


def test_the_minutes_print_the_meeting_and_its_patients(client_as, users, meeting, referral, monkeypatch):
    # Uncompressed pages keep the text readable in the bytes; DejaVu writes ASCII as itself.
    monkeypatch.setattr(rl_config, "pageCompression", 0)
    services.record_decision(actor=users["haematologist"], meeting=meeting, referral=referral,
                             outcome="declined", reason="Performance status 3")
    response = client_as("coordinator", "fr").get(f"/rcp/{meeting.pk}/minutes.pdf")
    pdf = download(response)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="rcp-{meeting.held_on:%Y-%m-%d}-{meeting.pk}.pdf"'
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    assert b"GARNIER Michel" in pdf and b"14/05/1962" in pdf and b"Performance status 3" in pdf
    assert b"Date de naissance" in pdf  # labels in the reader's language


def test_the_patient_page_section_lists_referrals_and_offers_to_refer(patient, referral):
    referrals = patient.referrals.all()
    section = render_to_string("referrals/_patient_section.html",
                               {"patient": patient, "referrals": referrals, "allowed": {"referral.create"}})
    assert f"/referrals/{referral.pk}/" in section and "Awaiting decision" in section
    assert f"/patients/{patient.pk}/referrals/new/" in section
    assert "/referrals/new/" not in render_to_string("referrals/_patient_section.html",
                                                     {"patient": patient, "referrals": referrals, "allowed": set()})


def test_a_meeting_six_days_ahead_offers_no_decision_and_refuses_one_with_the_reason(client_as, org, users, referral):
    ahead = services.create_meeting(actor=users["haematologist"], center=org["treating"],
                                    held_on=timezone.localdate() + dt.timedelta(days=6), title="RCP à venir")
    services.add_to_agenda(actor=users["coordinator"], meeting=ahead, referral=referral)
    client = client_as("haematologist")
    page = client.get(f"/rcp/{ahead.pk}/").content.decode()
    assert "has not been held yet" in page and f"/decide/{referral.pk}/" not in page

    response = client.post(f"/rcp/{ahead.pk}/decide/{referral.pk}/",
                           {"outcome": "approved", "product": "yescarta", "indication": "lbcl"})
    html = response.content.decode()
    assert response.status_code == 200 and "its decisions can be recorded from that day on" in html
    assert not MdtDecision.objects.exists() and not Episode.objects.exists()


def test_the_meeting_list_counts_each_meetings_agenda_and_decisions(client_as, org, users, meeting, referral):
    """Three on the agenda, two decided: counted apart (a join of both would count six of each)."""
    others = [services.create_referral(
        actor=users["coordinator"], patient=register(org, family=family, serial=serial), from_center=org["referring"][0],
        received_on=timezone.localdate(), diagnosis="lbcl", prior_lines=2, prior_transplant="none",
        current_status="relapsed", from_physician_name="Dr Anne Roux") for serial, family in [(31, "Aubry"), (32, "Blanc")]]
    for other in others:
        services.add_to_agenda(actor=users["coordinator"], meeting=meeting, referral=other)
        services.record_decision(actor=users["haematologist"], meeting=meeting, referral=other,
                                 outcome=MdtDecision.Outcome.DECLINED, reason="Not eligible")
    empty = services.create_meeting(actor=users["haematologist"], center=org["treating"],
                                    held_on=timezone.localdate() - dt.timedelta(days=7))
    counts = {m.pk: (m.items, m.decided) for m in meetings_listed(client_as("coordinator").get("/rcp/"))}
    assert counts == {meeting.pk: (3, 2), empty.pk: (0, 0)}


def test_a_meetings_counts_stop_at_the_cap(client_as, org, users, meeting, referral, monkeypatch):
    """A weekly meeting of a national registry may list a thousand referrals: the list counts up to the cap and
    says "more" beyond, rather than reading every row of every meeting shown."""
    monkeypatch.setattr("cellrelay.referrals.views.COUNT_CAP", 1)
    other = services.create_referral(
        actor=users["coordinator"], patient=register(org, family="Aubry", serial=31), from_center=org["referring"][0],
        received_on=timezone.localdate(), diagnosis="lbcl", prior_lines=2, prior_transplant="none",
        current_status="relapsed", from_physician_name="Dr Anne Roux")
    services.add_to_agenda(actor=users["coordinator"], meeting=meeting, referral=other)
    response = client_as("coordinator").get("/rcp/")
    listed = {m.pk: (m.items, m.decided) for m in meetings_listed(response)}
    assert listed[meeting.pk][0] == 2  # one more than the cap: "more"
    assert "<td>1+</td>" in response.content.decode()


def meetings_listed(response) -> list:
    return list(response.context["upcoming"]) + list(response.context["past"])


def test_the_meeting_list_shows_the_coming_meetings_then_those_held_a_page_at_a_time(client_as, users, org,
                                                                                      monkeypatch):
    monkeypatch.setattr("cellrelay.referrals.views.PAST_PAGE_SIZE", 2)
    today = timezone.localdate()
    coming, last_week, two_weeks, three_weeks = (
        services.create_meeting(actor=users["haematologist"], center=org["treating"],
                                held_on=today + dt.timedelta(days=days)) for days in (7, -7, -14, -21))
    client = client_as("coordinator")
    first = client.get("/rcp/")
    assert list(first.context["upcoming"]) == [coming]
    assert list(first.context["past"]) == [last_week, two_weeks]  # the latest first
    assert "Coming meetings" in first.content.decode() and "?page=2" in first.content.decode()
    second = client.get("/rcp/?page=2")
    assert list(second.context["past"]) == [three_weeks] and "Coming meetings" not in second.content.decode()


def test_the_referral_list_shows_the_latest_and_counts_up_to_the_cap(client_as, org, users, referral, monkeypatch):
    """A national registry's referrals are counted up to the cap and said as "more than" beyond; the page lists
    the latest received first."""
    later = services.create_referral(
        actor=users["coordinator"], patient=register(org, family="Aubry", serial=31), from_center=org["referring"][0],
        received_on=timezone.localdate(), diagnosis="lbcl", prior_lines=2, prior_transplant="none",
        current_status="relapsed", from_physician_name="Dr Anne Roux")
    Referral.objects.filter(pk=referral.pk).update(received_on=timezone.localdate() - dt.timedelta(days=3))
    monkeypatch.setattr("cellrelay.referrals.views.PAGE_SIZE", 1)
    monkeypatch.setattr("cellrelay.referrals.views.REFERRALS_COUNT_CAP", 1)
    response = client_as("coordinator").get("/referrals/")
    assert list(response.context["referrals"]) == [later] and "More than 1 referrals" in response.content.decode()
    monkeypatch.setattr("cellrelay.referrals.views.REFERRALS_COUNT_CAP", 5)
    assert "2 referrals — showing the latest 1" in client_as("coordinator").get("/referrals/").content.decode()
