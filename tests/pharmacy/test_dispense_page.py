"""The dispensing page: the preconditions shown as checks, the hard stop, the signature, who may dispense."""

import datetime as dt
import re

import pytest
from django.utils import formats, timezone

from cellrelay.products.models import Bag, Deviation
from tests.conftest import PASSWORD
from tests.pharmacy.helpers import SCAN_A, plan_infusion_on
from tests.products.test_administration import NURSE, bags  # noqa: F401
from tests.products.test_administration_pages import snapshot, text

pytestmark = pytest.mark.django_db


def test_dispensing_shows_the_preconditions_then_dispenses(client_as, bags, users):
    client = client_as("pharmacist")
    page = text(client.get(f"/bags/{bags[1].pk}/dispense/"))
    assert page.count('class="met"') == 7 and 'class="unmet"' not in page
    assert "2 dose(s) available, 2 needed" in page and 'name="scanned_bag_code"' in page
    response = client.post(f"/bags/{bags[1].pk}/dispense/", {"scanned_bag_code": SCAN_A, "actor_password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == f"/bags/{bags[1].pk}/"
    assert Bag.objects.get(pk=bags[1].pk).status == Bag.Status.DISPENSED
    assert "Bag 2 dispensed." in text(client.get(response["Location"]))


def test_the_dispense_page_refuses_before_the_infusion_day_and_says_when(client_as, bags, users):
    infusion = timezone.localdate() + dt.timedelta(days=4)
    plan_infusion_on(bags[1].product.episode, infusion)
    client = client_as("pharmacist")
    page = text(client.get(f"/bags/{bags[1].pk}/dispense/"))
    day = formats.date_format(infusion, "DATE_FORMAT")
    assert page.count('class="unmet"') == 2  # the infusion day, and the sentence under the checks
    assert re.search(r'class="unmet"[^✗]*✗</span></td>\s*<th scope="row">Infusion day</th><td>planned infusion on '
                     + re.escape(day), page)
    response = client.post(f"/bags/{bags[1].pk}/dispense/", {"scanned_bag_code": SCAN_A, "actor_password": PASSWORD})
    assert f"The planned infusion is on {day}: dispense on the infusion day." in text(response)
    assert Bag.objects.get(pk=bags[1].pk).status == Bag.Status.AVAILABLE


def test_a_wrong_bag_code_at_dispensing_is_a_hard_stop(client_as, bags, users):
    before = snapshot(bags[1])
    response = client_as("pharmacist").post(f"/bags/{bags[1].pk}/dispense/",
                                            {"scanned_bag_code": "KITE-999", "actor_password": PASSWORD})
    page = text(response)
    assert response.status_code == 200 and '<div class="hard-stop" role="alert">' in page
    assert "HARD STOP — KITE-999 is not an identifier of bag 2. Expected:" in page
    assert Deviation.objects.get().scanned == "KITE-999"
    assert snapshot(bags[1]) == before


def test_a_bag_already_dispensed_says_by_whom_and_a_wrong_password_is_refused(client_as, bags, users):
    client = client_as("pharmacist")
    page = text(client.get(f"/bags/{bags[0].pk}/dispense/"))
    assert "This bag was already dispensed by Sophie Dubois" in page and 'class="unmet"' in page
    assert 'name="actor_password"' not in page  # nothing to sign until every condition is met
    response = client.post(f"/bags/{bags[1].pk}/dispense/", {"scanned_bag_code": SCAN_A, "actor_password": "x"})
    assert "The password is wrong: the signature is refused." in text(response)
    assert Bag.objects.get(pk=bags[1].pk).status == Bag.Status.AVAILABLE


def test_the_nurse_may_not_dispense(client_as, bags):
    assert client_as(NURSE).get(f"/bags/{bags[1].pk}/dispense/").status_code == 403
