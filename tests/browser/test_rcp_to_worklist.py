"""The coordinator's path from an RCP decision to the planned episode on the worklist."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cellrelay.formats import day
from cellrelay.pathway.models import Milestone
from cellrelay.referrals import services as referral_services
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def meeting_with_referral(org, users, patient):
    referral = referral_services.create_referral(
        actor=users["coordinator"], patient=patient, from_center=org["referring"][0],
        from_physician=users["referrer"], received_on=timezone.localdate() - dt.timedelta(days=12),
        diagnosis="lbcl", prior_lines=2, prior_transplant="autologous", current_status="refractory")
    meeting = referral_services.create_meeting(actor=users["haematologist"], center=org["treating"],
                                               held_on=timezone.localdate(), title="RCP lymphomes")
    referral_services.add_to_agenda(actor=users["haematologist"], meeting=meeting, referral=referral)
    return meeting


def d0_with_apheresis_this_week() -> dt.date:
    """D0 40 days ahead: apheresis 35 days before it, on the last working day, 2-5 days from today."""
    return timezone.localdate() + dt.timedelta(days=40)


def test_record_a_decision_plan_d0_see_ld_days_and_the_worklist(page, meeting_with_referral):
    page.goto("/login/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("navigation").get_by_role("link", name="RCP").click()
    page.get_by_role("row").filter(has_text="RCP lymphomes").get_by_role("link").first.click()
    page.get_by_role("link", name="Record the decision").first.click()
    page.get_by_label("Approved").check()
    page.get_by_label("Product").select_option("yescarta")
    page.get_by_label("Indication").select_option("lbcl")
    page.get_by_role("button", name="Save").click()

    # The approval opened the episode: plan it from the target infusion date.
    expect(page.get_by_role("heading", name="Yescarta")).to_be_visible()
    d0 = d0_with_apheresis_this_week()
    page.get_by_label("Target infusion date (D0)").fill(d0.isoformat())
    page.get_by_label("Target infusion date (D0)").press("Tab")  # change event: the live preview
    preview = page.locator("#plan-preview")
    expect(preview).to_contain_text("nothing is saved")
    expect(preview.get_by_role("row").filter(has_text="LD1")).to_contain_text("970.0 mg")
    assert not Milestone.objects.exists()
    page.get_by_role("button", name="Plan", exact=True).click()

    expect(page.get_by_text("Apheresis scheduled").first).to_be_visible()
    timeline = page.locator("figure.timeline svg")
    for code in ("LD1", "LD2", "LD3", "D0"):
        expect(timeline.get_by_text(code, exact=True)).to_be_visible()
    schedule = page.locator("table.schedule")
    ld1 = d0 - dt.timedelta(days=5)
    expect(schedule.get_by_role("row").filter(has_text="LD1")).to_contain_text(day(ld1))
    expect(schedule.get_by_role("row").filter(has_text="LD1")).to_contain_text("970.0 mg")

    page.get_by_role("navigation").get_by_role("link", name="Worklist").click()
    this_week = page.locator("section.bucket-week")
    expect(this_week.get_by_role("heading", name="Apheresis")).to_be_visible()
    expect(this_week.get_by_role("row").filter(has_text="GARNIER Michel")).to_contain_text("Apheresis")
