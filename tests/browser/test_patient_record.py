"""A coordinator's first minute: log in, find a patient, open the record, log out."""

import pytest
from playwright.sync_api import expect

from cellrelay.journal.models import JournalEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_log_in_find_a_patient_open_the_record_log_out(page, patient, users):
    page.goto("/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Worklist")).to_be_visible()  # the coordinator's home
    page.get_by_role("navigation").get_by_role("link", name="Patients").click()
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    page.get_by_label("Name, INS or IPP").fill("garn")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="GARNIER Michel").click()

    expect(page.get_by_role("heading", name="GARNIER Michel")).to_be_visible()
    expect(page.get_by_text(patient.ins_display)).to_be_visible()
    expect(page.get_by_text("1.94 m²")).to_be_visible()
    assert JournalEntry.objects.filter(action="patient.read", actor=users["coordinator"]).count() == 1

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.goto(f"/patients/{patient.pk}/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_wrong_password_says_so_and_stays_on_login(page, org):
    page.goto("/login/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")
