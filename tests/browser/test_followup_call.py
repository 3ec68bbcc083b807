"""The coordinator calls a patient at home who has a fever: the call is recorded with the answers, and the
haematologist sees it on the worklist at once and takes it over (issue #10)."""

import pytest
from playwright.sync_api import expect

from cellrelay.followup.models import Call
from tests.conftest import PASSWORD
from tests.pathway.test_anchoring import infused_days_ago

pytestmark = pytest.mark.browser


def log_in(page, username):
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_fever_on_the_coordinators_call_reaches_the_haematologist(page, episode, users, browser, live_server):
    episode = infused_days_ago(episode, users)
    log_in(page, "coordinator")
    page.goto("/followup/")
    calls_due = page.locator("section.followup-calls")
    expect(calls_due).to_contain_text("GARNIER Michel")
    calls_due.get_by_role("link", name="Call").click()

    expect(page.get_by_role("heading", name="Call the patient")).to_be_visible()
    page.get_by_label("Fever of 38 °C or more since the last call?").select_option("yes")
    page.get_by_label("Highest temperature since the last call (°C)").fill("38.7")
    page.get_by_label("Confusion?").select_option("no")
    page.get_by_label("What the patient said").fill("Frissons depuis ce matin, pas de confusion")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("A physician must see this patient now")).to_be_visible()
    call = Call.objects.get(plan__episode=episode, escalated=True)
    assert call.answers["temperature_c"] == 38.7 and call.escalation == ["fever"]

    haematologist = browser.new_context(locale="en-GB", base_url=live_server.url).new_page()
    log_in(haematologist, "haematologist")
    haematologist.goto("/worklist/")
    escalated = haematologist.locator("section.followup-escalated")
    expect(escalated).to_contain_text("GARNIER Michel")
    expect(escalated).to_contain_text("Fever of 38 °C or more: tell the physician now.")
    expect(escalated).to_contain_text("Frissons depuis ce matin")
    escalated.get_by_role("button", name="I take it over").click()
    expect(haematologist.get_by_text("You have taken this call over.")).to_be_visible()
    expect(haematologist.locator("section.followup-escalated")).to_have_count(0)
    assert Call.objects.get(pk=call.pk).acknowledged_by == users["haematologist"]
    haematologist.context.close()
