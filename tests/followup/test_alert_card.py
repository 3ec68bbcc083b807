"""The patient alert card: what it says in French and in English, its size, text that stays on the card whatever
its length, who may print it, and its read in the journal."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import formats, translation
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader
from reportlab.lib.units import mm

from cellrelay.followup import alert_card
from cellrelay.followup.alert_card import CARD_HEIGHT, CARD_WIDTH, MARGIN, MIN_SIZE, Card
from cellrelay.journal.models import JournalEntry
from cellrelay.organisation.models import Unit
from cellrelay.pathway.models import Episode
from tests.conftest import open_episode
from tests.monitoring.test_services import infused
from tests.pathway.test_documents import planned_episode

pytestmark = pytest.mark.django_db

CRS_SIGNS = {"en": ["fever", "low blood pressure", "breathlessness"],
             "fr": ["fièvre", "tension artérielle basse", "essoufflement"]}
ICANS_SIGNS = {"en": ["confusion", "trouble speaking or writing", "drowsiness", "seizures"],
               "fr": ["confusion", "difficulté à parler ou à écrire", "somnolence", "convulsions"]}
CALL = {"en": "To any physician or emergency department", "fr": "À tout médecin ou service d'urgences"}
CALL_AT_ONCE = {"en": "Call the treating center at once", "fr": "Appelez sans délai le centre de traitement"}


@pytest.fixture
def card_episode(org, patient, users):
    """A Yescarta episode infused 40 days ago."""
    return infused(open_episode(org, patient), users)


def url(episode, lang=None):
    path = reverse("followup:alert_card", args=[episode.pk])
    return f"{path}?lang={lang}" if lang else path


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text, its lines joined by single spaces (the card wraps where it must)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def d0_of(episode):
    return episode.milestones.get(code="D0").actual


def day_in(language, day, form="DATE_FORMAT"):
    with translation.override(language):
        return formats.date_format(day, form)


def card_reads(patient) -> int:
    return JournalEntry.objects.filter(action=JournalEntry.Action.DOCUMENT_READ, patient_id=patient.pk,
                                       after__document="alert_card").count()


# What it says ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_card_names_the_treatment_the_center_its_phone_the_signs_and_whom_to_call(client_as, card_episode,
                                                                                    language):
    response = client_as("coordinator").get(url(card_episode, language))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    front, back = pages_text(response.content)
    assert "GARNIER Michel" in front and day_in(language, dt.date(1962, 5, 14), "SHORT_DATE_FORMAT") in front
    assert "Yescarta (axicabtagene ciloleucel)" in front
    assert day_in(language, d0_of(card_episode)) in front
    assert "CHU de Montclair" in front and "01 99 00 10 00" in front
    drv = card_episode.milestones.get(code="DRV").planned
    assert day_in(language, drv) in front
    for sign in CRS_SIGNS[language] + ICANS_SIGNS[language]:
        assert sign in back
    assert CALL[language] in back and CALL_AT_ONCE[language] in back
    assert day_in(language, d0_of(card_episode)) in back and "01 99 00 10 00" in back


def test_the_french_card_says_nothing_in_english(client_as, card_episode):
    text = " ".join(pages_text(client_as("coordinator").get(url(card_episode, "fr")).content))
    assert "Carte d'alerte patient" in text and "né(e) le" in text
    assert "fever" not in text and "Infused on" not in text and "Treating center" not in text
    assert day_in("en", d0_of(card_episode)) not in text


def test_without_a_choice_the_card_is_in_the_pages_language(client_as, card_episode):
    assert "fièvre" in pages_text(client_as("coordinator", "fr").get(url(card_episode)).content)[1]
    assert "fever" in pages_text(client_as("coordinator", "en").get(url(card_episode)).content)[1]


def test_two_pages_each_the_size_of_a_credit_card(client_as, card_episode):
    reader = PdfReader(io.BytesIO(client_as("coordinator").get(url(card_episode, "en")).content))
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert float(page.mediabox.width) / mm == pytest.approx(85.6, abs=0.01)
        assert float(page.mediabox.height) / mm == pytest.approx(54, abs=0.01)


def test_without_a_24_hour_number_the_card_gives_the_transplant_units(client_as, org, card_episode):
    org["treating"].emergency_phone = ""
    org["treating"].save()
    front, back = pages_text(client_as("coordinator").get(url(card_episode, "en")).content)
    transplant = Unit.objects.get(center=org["treating"], kind=Unit.Kind.TRANSPLANT).phone
    assert transplant in front and transplant in back and "01 99 00 10 00" not in front


def test_with_no_number_at_all_the_card_says_so(client_as, org, card_episode):
    org["treating"].emergency_phone = ""
    org["treating"].save()
    Unit.objects.filter(center=org["treating"]).update(phone="")
    front, back = pages_text(client_as("coordinator").get(url(card_episode, "en")).content)
    assert "no 24-hour number recorded" in front and "no 24-hour number recorded" in back


# It fits --------------------------------------------------------------------------------------------------

def off_the_card(lines) -> list[str]:
    """The lines that leave the printable area, or are printed smaller than the card's smallest size."""
    return [line.text for line in lines
            if line.x < MARGIN - 0.01 or line.x + line.width > CARD_WIDTH - MARGIN + 0.01
            or line.bottom < MARGIN - 0.01 or line.top > CARD_HEIGHT - MARGIN + 0.01 or line.size < MIN_SIZE]


def lines_of(card: Card, language: str = "en"):
    with translation.override(language):
        return alert_card.front(card).lines + alert_card.back(card).lines


LONG_CENTER = ("Centre hospitalier universitaire de Montclair-sur-Arve, Institut régional de thérapie cellulaire et "
               "d'hématologie, pavillon Émile-Roux")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_long_center_name_wraps_and_stays_on_the_card(client_as, org, card_episode, language):
    org["treating"].name = LONG_CENTER
    org["treating"].save()
    response = client_as("coordinator").get(url(card_episode, language))
    front, back = pages_text(response.content)
    assert LONG_CENTER in front and LONG_CENTER in back  # wrapped, not cut
    with translation.override(language):
        card = alert_card.card_for(Episode.objects.get(pk=card_episode.pk))  # the center as now saved
    assert off_the_card(lines_of(card, language)) == []
    assert len([line for line in alert_card.front(card).lines if line.text in LONG_CENTER]) > 1


def test_the_longest_values_the_records_allow_stay_on_the_card():
    """A 200-character center name, 100 + 150 characters of names, a 40-character phone number."""
    card = Card(patient=f"{'W' * 100} {'Marie-' * 25}, born on 31/12/1999",
                product="Investigational product (clinical trial) — " + "TRIAL-" * 20, infusion="30 September 2026",
                no_driving_until="25 November 2026", center="Hôpital " * 25,
                phone="+33 (0)1 99 00 10 00 poste 123456789012")
    assert off_the_card(lines_of(card, "en")) == []
    assert off_the_card(lines_of(card, "fr")) == []


@given(patient=st.text(min_size=1, max_size=260), center=st.text(min_size=1, max_size=200),
       phone=st.text(min_size=1, max_size=40))
def test_no_text_ever_leaves_the_card(patient, center, phone):
    card = Card(patient=patient, product="Carvykti (ciltacabtagene autoleucel)", infusion="14 May 2026",
                no_driving_until=None, center=center, phone=phone)
    assert off_the_card(lines_of(card)) == []


def test_the_phone_number_is_the_largest_text_on_each_face(org, card_episode):
    card = alert_card.card_for(card_episode)
    for face in (alert_card.front(card), alert_card.back(card)):
        phone = next(line for line in face.lines if line.text == "01 99 00 10 00")
        assert phone.size == max(line.size for line in face.lines) and phone.size >= 12


# Who may print it, and when -------------------------------------------------------------------------------

def test_no_card_before_the_infusion_and_no_link_to_one(client_as, org, patient):
    episode = planned_episode(org, patient)
    client = client_as("coordinator")
    assert client.get(url(episode, "en")).status_code == 404
    assert url(episode) not in client.get(reverse("pathway:episode", args=[episode.pk])).content.decode()
    assert card_reads(patient) == 0


def test_the_episode_page_offers_the_card_in_both_languages_once_infused(client_as, card_episode):
    page = client_as("coordinator").get(reverse("pathway:episode", args=[card_episode.pk])).content.decode()
    assert f'href="{url(card_episode, "fr")}"' in page and f'href="{url(card_episode, "en")}"' in page
    assert "Patient alert card (PDF, French)" in page


@pytest.fixture
def referred_card_episode(org, referred_patient, users):
    return infused(open_episode(org, referred_patient), users)


def test_the_referring_physician_prints_their_patients_card(client_as, referred_card_episode, referred_patient):
    response = client_as("referrer").get(url(referred_card_episode, "fr"))
    assert response.status_code == 200 and "FAURE Isabelle" in pages_text(response.content)[0]
    assert card_reads(referred_patient) == 1


@pytest.mark.parametrize("username", ["referrer2", "outsider"])
def test_someone_elses_patient_is_not_found_and_nothing_is_journaled(client_as, referred_card_episode,
                                                                     referred_patient, username):
    assert client_as(username).get(url(referred_card_episode, "en")).status_code == 404
    assert card_reads(referred_patient) == 0


def test_a_referring_physician_does_not_reach_a_patient_they_did_not_refer(client_as, card_episode, patient):
    assert client_as("referrer").get(url(card_episode, "en")).status_code == 404
    assert card_reads(patient) == 0


def test_each_print_is_a_journaled_read_by_its_reader(client_as, card_episode, patient, users):
    client = client_as("wardnurse")
    client.get(url(card_episode, "fr"))
    client.get(url(card_episode, "en"))
    entries = JournalEntry.objects.filter(action=JournalEntry.Action.DOCUMENT_READ, patient_id=patient.pk,
                                          after__document="alert_card").order_by("pk")
    assert [(e.actor, e.after["language"]) for e in entries] == [(users["wardnurse"], "fr"),
                                                                  (users["wardnurse"], "en")]
    assert not JournalEntry.objects.filter(action=JournalEntry.Action.PATIENT_READ, patient_id=patient.pk,
                                           actor=users["wardnurse"]).exists()  # one read, not two


def test_the_card_is_not_cached_and_anonymous_visitors_sign_in_first(client, client_as, card_episode):
    assert "no-store" in client_as("coordinator").get(url(card_episode, "en"))["Cache-Control"]
    response = client.get(url(card_episode, "en"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_an_unknown_episode_is_not_found(client_as, card_episode):
    card_episode.pk += 1000
    assert client_as("coordinator").get(url(card_episode, "en")).status_code == 404


def test_the_card_gives_the_infusions_actual_day(card_episode):
    """A D0 recorded on another day than planned: the card gives the day it happened."""
    d0 = card_episode.milestones.get(code="D0")
    assert alert_card.card_for(card_episode).infusion == day_in("en", d0.actual)
    d0.actual -= dt.timedelta(days=1)
    d0.save()
    assert alert_card.card_for(card_episode).infusion == day_in("en", d0.actual)
