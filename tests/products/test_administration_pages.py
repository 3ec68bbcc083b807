"""The bag page (with its thaw countdown) and the pages of the administration of a bag; the dispensing page is the
pharmacy's (tests/pharmacy/test_dispense_page.py)."""

import datetime as dt
import html
import re

import pytest
from django.utils import timezone

from cellrelay.journal.models import JournalEntry
from cellrelay.pathway.models import ProtocolTemplate
from cellrelay.pathway.states import State
from cellrelay.pharmacy.services import storage
from cellrelay.products.services.administration import bedside_check, start_infusion, start_thaw
from cellrelay.products.models import Bag, CustodyEvent, Deviation
from tests.conftest import PASSWORD, register
from tests.pharmacy.helpers import DIN_A, SCAN_A, tank_with_positions
from tests.products.test_administration import NURSE, SECOND, bag, bags, ready_for_infusion  # noqa: F401

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def minutes(moment) -> str:
    """A time as the datetime-local field sends it."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def ago(n):
    return timezone.now() - dt.timedelta(minutes=n)


def snapshot(bag):
    """Everything a refused step must leave as it was (reads of the record are journaled, deviations kept)."""
    bag = Bag.objects.get(pk=bag.pk)
    return ({f.name: getattr(bag, f.attname) for f in Bag._meta.concrete_fields}, CustodyEvent.objects.count(),
            JournalEntry.objects.exclude(action__in=["products.deviation_recorded", "patient.read"]).count())


def wristband(bag) -> str:
    return bag.product.episode.patient.local_ids.get().ipp


def bedside_form(bag, users, **overrides):
    data = {"scanned_wristband": wristband(bag), "scanned_bag_code": SCAN_A, "actor_password": PASSWORD,
            "second_person": users[SECOND].pk, "second_password": PASSWORD}
    data.update(overrides)
    return data


def thawed_and_checked(bag, users, thawed_minutes_ago):
    start_thaw(actor=users[NURSE], bag=bag, at=ago(thawed_minutes_ago))
    bedside_check(actor=users[NURSE], actor_password=PASSWORD, second_person=users[SECOND], second_password=PASSWORD,
                  bag=bag, scanned_wristband=wristband(bag), scanned_bag_code=SCAN_A)
    return Bag.objects.get(pk=bag.pk)


# The bag page ------------------------------------------------------------------------------------------------

def test_the_bag_page_shows_who_what_where_and_the_next_steps(client_as, bags, users):
    response = client_as(NURSE).get(f"/bags/{bags[0].pk}/")
    assert response.status_code == 200
    page = text(response)
    patient = bags[0].product.episode.patient
    assert str(patient) in page and DIN_A in page and "KITE-123" in page and "Bag 1" in page
    assert "Dispensed" in page and "not in storage" in page
    table = page[page.index('class="custody"'):]
    assert "Received" in table and "Sophie Dubois" in table and "Julien Girard" in table  # receiver and verifier
    assert "received" in table and "verified" in table and "dispensed" in table  # meanings of the signatures
    for step in ("thaw", "bedside", "dispose"):
        assert f'href="/bags/{bags[0].pk}/{step}/"' in page
    assert f'href="/bags/{bags[0].pk}/infusion/start/"' not in page  # neither thawed nor checked yet
    assert f'href="/bags/{bags[0].pk}/dispense/"' not in page
    assert "data-deadline" not in page  # no thaw, no countdown
    assert JournalEntry.objects.filter(action="patient.read", actor=users[NURSE], patient_id=patient.pk).exists()


def test_a_stored_bag_shows_its_position_and_only_the_pharmacist_may_dispense_it(client_as, org, bags, users):
    _tank, positions = tank_with_positions(org)
    storage.place_bag(actor=users["pharmacist"], bag=bags[1], position=positions[0], scanned_bag_code=SCAN_A)
    link = f'href="/bags/{bags[1].pk}/dispense/"'
    page = text(client_as("pharmacist").get(f"/bags/{bags[1].pk}/"))
    assert "Cuve 1/R1/B1/A1" in page and "Available" in page and link in page
    assert link not in text(client_as(NURSE).get(f"/bags/{bags[1].pk}/"))
    research = client_as("research").get(f"/bags/{bags[1].pk}/")
    assert research.status_code == 200 and 'class="button' not in text(research)  # reads, acts on nothing
    assert client_as("outsider").get(f"/bags/{bags[1].pk}/").status_code == 404


def test_the_countdown_runs_from_the_thaw(client_as, bag, users):
    start_thaw(actor=users[NURSE], bag=bag, at=ago(10))
    bag.refresh_from_db()
    page = text(client_as(NURSE).get(f"/bags/{bag.pk}/"))
    deadline = (bag.thaw_started_at + dt.timedelta(minutes=30)).astimezone(dt.UTC)
    assert f'data-deadline="{deadline.isoformat(timespec="milliseconds")}"' in page
    assert 'data-remaining-text="{time} remaining"' in page and 'data-overdue-text="Overdue by {time}"' in page
    assert re.search(r'data-countdown-text>(20:00|19:5\d) remaining<', page)
    assert '<section class="countdown"' in page and 'src="/static/thaw-countdown.js"' in page


def test_past_the_limit_the_countdown_is_red_and_says_how_late(client_as, bag, users):
    start_thaw(actor=users[NURSE], bag=bag, at=ago(40))
    page = text(client_as(NURSE).get(f"/bags/{bag.pk}/"))
    assert '<section class="countdown overdue"' in page
    assert re.search(r"data-countdown-text>Overdue by 10:0\d<", page)


def test_without_a_known_limit_the_page_says_to_check_the_label(client_as, bag, users):
    ProtocolTemplate.objects.filter(pk=bag.product.episode.template_id).update(thaw_limit_minutes=None)
    start_thaw(actor=users[NURSE], bag=bag, at=ago(10))
    page = text(client_as(NURSE).get(f"/bags/{bag.pk}/"))
    assert "No limit recorded for this product: check the label." in page
    assert "data-deadline" not in page and "thaw-countdown.js" not in page


# Thaw ------------------------------------------------------------------------------------------------------

def test_the_thaw_starts_and_the_bag_page_counts_down(client_as, bag, users):
    client = client_as(NURSE)
    page = text(client.get(f"/bags/{bag.pk}/thaw/"))
    assert "The infusion must end within 30 minutes of the start of the thaw." in page
    # Now, to the second: a thaw in the minute of the dispensing does not read as before it.
    assert re.search(r'type="datetime-local" name="at" value="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d" step="1"', page)
    response = client.post(f"/bags/{bag.pk}/thaw/", {"at": minutes(ago(1))}, follow=True)
    assert response.redirect_chain == [(f"/bags/{bag.pk}/", 302)]
    page = text(response)
    assert "Thaw started: the countdown runs on this page." in page and "data-deadline" in page
    assert Bag.objects.get(pk=bag.pk).thaw_started_at is not None


def test_a_thaw_refused_says_why(client_as, bags):
    client = client_as(NURSE)
    page = text(client.get(f"/bags/{bags[1].pk}/thaw/"))
    assert "This bag is not dispensed: the pharmacy dispenses it first." in page and 'name="at"' not in page
    response = client.post(f"/bags/{bags[0].pk}/thaw/", {"at": minutes(timezone.now() + dt.timedelta(hours=1))})
    assert "This time is in the future." in text(response)
    assert Bag.objects.get(pk=bags[0].pk).thaw_started_at is None


# Bedside check ---------------------------------------------------------------------------------------------

def test_the_bedside_check_passes_with_two_people(client_as, bag, users):
    client = client_as(NURSE)
    response = client.get(f"/bags/{bag.pk}/bedside/")
    choices = response.context["form"].fields["second_person"].queryset
    # Those who may give the product at the patient's center (the permission table), never the nurse herself.
    assert set(choices) == {users["haematologist"], users["pharmacist"], users["pharmacist2"]}
    response = client.post(f"/bags/{bag.pk}/bedside/", bedside_form(bag, users), follow=True)
    assert "Bedside check passed: patient and bag 1 match." in text(response)
    bag.refresh_from_db()
    assert (bag.bedside_checked_by, bag.bedside_second_person) == (users[NURSE], users[SECOND])


def test_another_patients_bag_at_the_bedside_is_a_hard_stop(client_as, bag, users):
    before = snapshot(bag)
    response = client_as(NURSE).post(f"/bags/{bag.pk}/bedside/", bedside_form(bag, users, scanned_bag_code="KITE-999"))
    page = text(response)
    assert '<div class="hard-stop" role="alert">' in page
    assert "HARD STOP — KITE-999 is not an identifier of bag 1. Expected:" in page and "KITE-123" in page
    assert Deviation.objects.get().scanned == "KITE-999"
    assert snapshot(bag) == before and Bag.objects.get(pk=bag.pk).bedside_checked_at is None


def test_another_patients_wristband_is_a_hard_stop_naming_both(client_as, org, bag, users):
    other = register(org, family="Faure", given="Isabelle", sex="F", birth=dt.date(1970, 3, 2), serial=2)
    other_ipp = other.local_ids.get().ipp
    before = snapshot(bag)
    page = text(client_as(NURSE).post(f"/bags/{bag.pk}/bedside/", bedside_form(bag, users,
                                                                               scanned_wristband=other_ipp)))
    hard_stop = page[page.index('<div class="hard-stop"'):]
    assert f"HARD STOP — wristband {other_ipp} does not identify the patient of bag 1." in hard_stop
    assert f"Expected: IPP {wristband(bag)}" in hard_stop
    assert Deviation.objects.get().kind == "identity_mismatch"
    assert snapshot(bag) == before


def test_a_wrong_second_password_at_the_bedside_is_refused_without_deviation(client_as, bag, users):
    before = snapshot(bag)
    page = text(client_as(NURSE).post(f"/bags/{bag.pk}/bedside/", bedside_form(bag, users, second_password="x")))
    assert "The password is wrong: the signature is refused." in page and 'class="hard-stop"' not in page
    assert not Deviation.objects.exists() and snapshot(bag) == before


# Infusion --------------------------------------------------------------------------------------------------

def test_the_infusion_waits_for_the_thaw_and_the_bedside_check(client_as, bag):
    page = text(client_as(NURSE).get(f"/bags/{bag.pk}/infusion/start/"))
    assert "Check the patient's wristband and the bag at the bedside first" in page
    assert "Record the start of the thaw first." in page and 'name="at"' not in page
    response = client_as(NURSE).post(f"/bags/{bag.pk}/infusion/start/", {"at": minutes(ago(1))})
    assert "Check the patient's wristband and the bag at the bedside first" in text(response)
    assert Bag.objects.get(pk=bag.pk).infusion_started_at is None


def test_an_infusion_within_the_limit_moves_the_episode_to_infused(client_as, bag, users):
    ready_for_infusion(bag.product.episode, users)
    bag = thawed_and_checked(bag, users, thawed_minutes_ago=15)
    client = client_as(NURSE)
    response = client.post(f"/bags/{bag.pk}/infusion/start/", {"at": minutes(ago(10))}, follow=True)
    page = text(response)
    assert "Infusion started." in page and f'href="/bags/{bag.pk}/infusion/end/"' in page
    response = client.post(f"/bags/{bag.pk}/infusion/end/", {"at": minutes(ago(1))}, follow=True)
    page = text(response)
    assert "End of the infusion recorded." in page and "past the thaw limit" not in page
    assert "data-deadline" not in page  # the infusion has ended: no more countdown
    bag.episode = bag.product.episode
    bag.episode.refresh_from_db()
    assert bag.episode.state == State.INFUSED and not Deviation.objects.exists()


def test_an_end_past_the_limit_warns_and_records_a_deviation(client_as, bag, users):
    ready_for_infusion(bag.product.episode, users)
    bag = thawed_and_checked(bag, users, thawed_minutes_ago=60)
    start_infusion(actor=users[NURSE], bag=bag, at=ago(50))
    response = client_as(NURSE).post(f"/bags/{bag.pk}/infusion/end/", {"at": minutes(ago(1))}, follow=True)
    page = text(response)
    assert "The infusion ended past the thaw limit (limit ≤ 30 min, here" in page
    assert 'class="flash warning"' in page
    deviation = Deviation.objects.get()
    assert deviation.kind == "thaw_limit_exceeded"
    assert Bag.objects.get(pk=bag.pk).infusion_ended_at is not None


# Return or destruction -------------------------------------------------------------------------------------

def test_an_unused_bag_is_returned_with_its_reason(client_as, bag):
    client = client_as(NURSE)
    response = client.post(f"/bags/{bag.pk}/dispose/", {"action": "returned", "reason": ""})
    assert "This field is required." in text(response)
    response = client.post(f"/bags/{bag.pk}/dispose/", {"action": "returned", "reason": "D0 postponed"}, follow=True)
    assert "Bag 1 recorded as unused." in text(response)
    bag.refresh_from_db()
    assert (bag.disposal, bag.disposal_reason) == ("returned", "D0 postponed")


def test_a_thawed_bag_cannot_be_returned(client_as, bag, users):
    start_thaw(actor=users[NURSE], bag=bag, at=ago(5))
    response = client_as(NURSE).post(f"/bags/{bag.pk}/dispose/", {"action": "returned", "reason": "Patient unwell"})
    assert "A thawed bag cannot be refrozen: it is destroyed, not returned." in text(response)
    assert Bag.objects.get(pk=bag.pk).disposal == ""


# Access and language ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("step", ["dispense/", "thaw/", "bedside/", "infusion/start/", "infusion/end/", "dispose/"])
def test_the_research_assistant_may_not_act_on_a_bag(client_as, bag, step):
    assert client_as("research").get(f"/bags/{bag.pk}/{step}").status_code == 403
    assert client_as("outsider").get(f"/bags/{bag.pk}/{step}").status_code == 403  # no such action elsewhere


@pytest.mark.parametrize("step", ["", "dispense/", "thaw/", "bedside/", "infusion/start/", "infusion/end/",
                                  "dispose/"])
def test_the_pages_in_french(client_as, bags, step):
    response = client_as("pharmacist", "fr").get(f"/bags/{bags[1].pk}/{step}")
    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()
