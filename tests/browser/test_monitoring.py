"""The ward nurse records vital signs: the proposed CRS grade shows before saving, the alert reaches the ICU."""

import pytest
from playwright.sync_api import expect

from cellrelay.monitoring.models import Alert, VitalSigns
from cellrelay.monitoring.views import open_alerts
from cellrelay.patients import access
from tests.conftest import PASSWORD
from tests.monitoring.test_services import infused

pytestmark = pytest.mark.browser


@pytest.fixture
def infused_episode(episode, users):
    return infused(episode, users)


def test_ward_nurse_sees_the_proposed_crs_grade_before_saving(page, infused_episode, users, client_as):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico") else None)

    page.goto("/login/")
    page.get_by_label("Username").fill("wardnurse")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.goto(f"/episodes/{infused_episode.pk}/monitoring/")
    expect(page.get_by_role("heading", name="Monitoring")).to_be_visible()
    expect(page.locator("figure.monitoring svg")).to_be_visible()
    page.get_by_role("link", name="Record vital signs").click()

    preview = page.locator("#crs-preview")
    expect(preview).to_have_attribute("data-grade", "")
    page.get_by_label("Temperature (°C)").fill("39.2")
    page.get_by_label("Hypotension").select_option("one_vasopressor")
    expect(preview).to_have_attribute("data-grade", "3")
    expect(preview).to_contain_text("Proposed CRS grade: 3")
    expect(preview).to_contain_text("Hypotension requiring one vasopressor.")
    assert VitalSigns.objects.count() == 0  # only proposed: nothing saved yet

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Vital signs recorded.")).to_be_visible()
    row = page.locator("table.vitals tbody tr").first
    expect(row).to_contain_text("39.2 °C")
    expect(row.locator(".grade")).to_have_text("3")
    expect(page.locator("table.daily")).to_contain_text("3")
    assert VitalSigns.objects.get().crs_proposed == 3
    assert errors == []

    # The ICU physician and the neurologist see the alert on their worklist.
    alert = Alert.objects.get()
    groups = open_alerts(access.patients_for(users["icu"]))
    assert [team for team, _label, alerts in groups if alert in alerts] == ["icu", "neurology"]
    for physician in ("icu", "neurologist"):
        html = client_as(physician).get("/worklist/").content.decode()
        assert f'href="/episodes/{infused_episode.pk}/monitoring/"' in html and "grade 3" in html
