"""Discharging while a CRS or ICANS is still open, or a proposed grade is not confirmed, asks for an explicit
confirmation with the reasons shown; without it nothing changes (issue "Trust what exists")."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import formats, timezone, translation

from cellrelay.journal.models import JournalEntry
from cellrelay.monitoring import services as monitoring_services
from cellrelay.pathway import services
from cellrelay.pathway.models import Episode
from cellrelay.pathway.states import State
from tests.monitoring.test_services import neuro, vitals
from tests.pathway.test_anchoring import infused_days_ago

pytestmark = pytest.mark.django_db

YESTERDAY_8AM = timezone.make_aware(dt.datetime.combine(timezone.localdate() - dt.timedelta(days=1), dt.time(8)))


def short(moment: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(moment).date(), "SHORT_DATE_FORMAT")


@pytest.fixture
def watched(episode, users):
    """Infused a few days ago; yesterday a CRS grade 2 (confirmed) and an ICANS grade 1 (proposed only)."""
    episode = infused_days_ago(episode, users)
    crs = vitals(episode, users, taken_at=YESTERDAY_8AM, temperature_c=Decimal("39.1"), hypotension="no_vasopressor")
    monitoring_services.confirm_grade(actor=users["haematologist"], source=crs, confirmed=2)
    neuro(episode, users, assessed_at=YESTERDAY_8AM + dt.timedelta(hours=1), ice=8)
    return Episode.objects.get(pk=episode.pk)


def discharge(episode, users, **extra):
    return services.advance(actor=users["haematologist"], episode=episode, target=State.DISCHARGED,
                            on=timezone.localdate(), expected_version=None, **extra)


def unchanged(episode) -> tuple:
    """What a refused step must leave as it was. The journal's reads are not changes: a refused form shows the patient
    again, and that read is journaled."""
    episode = Episode.objects.get(pk=episode.pk)
    changes = JournalEntry.objects.exclude(action=JournalEntry.Action.PATIENT_READ).count()
    return (episode.state, episode.version, episode.milestones.get(code="DIS").status, changes)


def test_a_discharge_with_an_open_crs_and_an_unconfirmed_icans_is_refused_with_the_reasons(watched, users):
    before = unchanged(watched)
    with pytest.raises(ValidationError) as refused:
        discharge(watched, users)
    message = " ".join(refused.value.message_dict["confirmed"])
    assert f"CRS grade 2 on {short(YESTERDAY_8AM)} not resolved" in message
    assert f"ICANS grade 1 proposed on {short(YESTERDAY_8AM)}, not confirmed by a physician" in message
    assert unchanged(watched) == before


def test_a_confirmed_discharge_is_recorded_and_the_confirmation_journaled(watched, users):
    episode = discharge(watched, users, confirmed=True)
    assert episode.state == State.DISCHARGED
    entry = JournalEntry.objects.filter(action="milestone.recorded").order_by("-id").first()
    assert entry.actor == users["haematologist"]
    assert entry.after["confirmed_despite"] == [
        f"CRS grade 2 on {short(YESTERDAY_8AM)} not resolved",
        f"ICANS grade 1 on {short(YESTERDAY_8AM)} not resolved",
        f"ICANS grade 1 proposed on {short(YESTERDAY_8AM)}, not confirmed by a physician"]


def test_once_the_crs_is_back_to_grade_0_and_every_grade_confirmed_the_discharge_asks_nothing(watched, users):
    with pytest.raises(ValidationError):
        discharge(watched, users)
    later = YESTERDAY_8AM + dt.timedelta(hours=8)
    back_to_normal = vitals(watched, users, taken_at=later, temperature_c=Decimal("36.8"))
    monitoring_services.confirm_grade(actor=users["haematologist"], source=back_to_normal, confirmed=0)
    for assessment in watched.neuro_assessments.all():
        monitoring_services.confirm_grade(actor=users["neurologist"], source=assessment, confirmed=0,
                                          override_reason="ICE 8: patient tired, normal the next hour")
    assert discharge(watched, users).state == State.DISCHARGED


# The page --------------------------------------------------------------------------------------------------

def advance_url(episode) -> str:
    return reverse("pathway:episode_advance", args=[episode.pk])


def test_the_discharge_page_shows_the_reasons_and_asks_to_confirm(client_as, watched):
    client = client_as("haematologist")
    page = client.get(advance_url(watched)).content.decode()
    assert f"CRS grade 2 on {short(YESTERDAY_8AM)} not resolved" in page
    assert 'name="confirmed"' in page
    form = {"version": watched.version, "on": timezone.localdate().isoformat()}

    before = unchanged(watched)
    refused = client.post(advance_url(watched), form)
    assert refused.status_code == 200 and 'id="id_confirmed-error"' in refused.content.decode()
    assert unchanged(watched) == before

    confirmed = client.post(advance_url(watched), {**form, "confirmed": "on"})
    assert confirmed.status_code == 302 and Episode.objects.get(pk=watched.pk).state == State.DISCHARGED


def test_the_reasons_are_shown_in_french(client_as, watched):
    page = client_as("haematologist", "fr").get(advance_url(watched)).content.decode()
    with translation.override("fr"):
        expected = translation.gettext("%(scale)s grade %(grade)s on %(day)s not resolved") % {
            "scale": "CRS", "grade": 2, "day": short(YESTERDAY_8AM)}
    assert expected.startswith("CRS de grade 2 le") and expected in page
