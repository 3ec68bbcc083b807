"""The ward nurse records vital signs: the proposed CRS grade shows before saving, the alert reaches the ICU
and neurology, and each team acknowledges it for itself on a real server."""

import pytest
from playwright.sync_api import expect

from cellrelay.monitoring.models import Alert, VitalSigns
from cellrelay.monitoring.alerts import open_alerts
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


def log_in(page, username):
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page):
    page.get_by_role("button", name="Log out").click()


def test_each_team_acknowledges_its_own_alert_and_the_unconfirmed_grade_stays_flagged(page, infused_episode, users):
    from tests.monitoring.test_services import vitals

    record = vitals(infused_episode, users, hypotension="one_vasopressor")  # CRS 3, alert, not confirmed
    patient = str(infused_episode.patient)

    log_in(page, "icu")
    page.goto("/worklist/")
    expect(page.locator("table.alerts-icu")).to_contain_text(patient)
    expect(page.locator("table.alerts-neurology").get_by_role("button")).to_have_count(0)
    page.locator("table.alerts-icu").get_by_role("button", name="Acknowledge (Intensive care)").click()
    expect(page.get_by_text("Alert acknowledged.")).to_be_visible()
    page.goto("/worklist/")
    expect(page.locator("table.alerts-icu")).to_have_count(0)
    expect(page.locator("table.alerts-neurology")).to_contain_text(patient)
    expect(page.locator("table.to-confirm")).to_contain_text("grade 3")
    log_out(page)

    log_in(page, "neurologist")
    page.goto("/worklist/")
    expect(page.locator("table.alerts-neurology")).to_contain_text("grade 3")
    page.locator("table.alerts-neurology").get_by_role("button", name="Acknowledge (Neurology)").click()
    expect(page.get_by_text("Alert acknowledged.")).to_be_visible()  # back on the flow sheet: still to confirm
    expect(page.locator("section.alerts table.to-confirm")).to_contain_text("grade 3")
    page.goto("/worklist/")
    expect(page.locator("table.alerts-neurology")).to_have_count(0)
    expect(page.locator("table.to-confirm")).to_contain_text("grade 3")  # seen by both, still not confirmed
    page.locator("table.to-confirm").get_by_role("link", name="Confirm").click()
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Grade confirmed.")).to_be_visible()
    page.goto("/worklist/")
    expect(page.locator("section.alerts")).to_have_count(0)

    alert = Alert.objects.get()
    assert list(alert.acknowledgements.values_list("team", "acknowledged_by__username")) == [
        ("icu", "icu"), ("neurology", "neurologist")]
    assert record.__class__.objects.get(pk=record.pk).grade.confirmed == 3


def test_values_that_contradict_each_other_need_an_explicit_confirmation(page, infused_episode):
    log_in(page, "wardnurse")
    page.goto(f"/episodes/{infused_episode.pk}/vitals/new/")
    page.get_by_label("Temperature (°C)").fill("37.4")
    page.get_by_label("Systolic BP (mmHg)").fill("60")
    page.get_by_label("Diastolic BP (mmHg)").fill("30")
    warnings = page.locator("fieldset.value-warnings")
    expect(warnings).to_contain_text("Systolic pressure 60 mmHg (below 90)")  # as soon as typed
    expect(page.get_by_label("I confirm these values")).not_to_be_checked()

    page.get_by_role("button", name="Save").click()
    expect(warnings).to_contain_text("but hypotension recorded as none")
    expect(warnings).to_contain_text("These values contradict each other")
    assert VitalSigns.objects.count() == 0  # nothing saved without the confirmation

    page.get_by_label("I confirm these values").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Vital signs recorded.")).to_be_visible()
    assert VitalSigns.objects.get().systolic == 60


def test_a_corrected_entry_loses_its_error(page, infused_episode):
    log_in(page, "wardnurse")
    page.goto(f"/episodes/{infused_episode.pk}/vitals/new/")
    temperature = page.get_by_label("Temperature (°C)")
    error = page.locator(".field").filter(has=temperature).locator(".error")
    temperature.fill("50")
    page.get_by_role("button", name="Save").click()
    expect(error).to_contain_text("between 30 and 45")
    expect(temperature).to_have_attribute("aria-invalid", "true")
    assert VitalSigns.objects.count() == 0

    temperature.clear()
    temperature.press_sequentially("39.2")  # typed, key by key
    expect(page.locator("#crs-preview")).to_have_attribute("data-grade", "1")
    expect(error).to_have_count(0)  # the corrected entry has lost its error
    expect(temperature).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field.invalid")).to_have_count(0)
    temperature.fill("29")
    expect(error).to_contain_text("between 30 and 45")  # and a new slip shows at once
    temperature.fill("39.2")
    expect(error).to_have_count(0)

    page.get_by_label("Systolic BP (mmHg)").fill("120")
    page.get_by_label("Diastolic BP (mmHg)").fill("130")
    diastolic_error = page.locator("#id_diastolic_error")
    expect(diastolic_error).to_contain_text("The diastolic pressure must be below the systolic.")
    page.get_by_label("Diastolic BP (mmHg)").fill("70")
    expect(diastolic_error).to_be_empty()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Vital signs recorded.")).to_be_visible()


def test_a_corrected_neurological_assessment_loses_its_error(page, infused_episode):
    log_in(page, "neurologist")
    page.goto(f"/episodes/{infused_episode.pk}/neuro/new/")
    page.get_by_label("Awake with global aphasia").check()
    page.get_by_label("Orientation: year").check()  # an aphasic patient cannot score on the ICE
    page.get_by_role("button", name="Save").click()
    errors = page.locator("form .errors")  # the form's own errors, above its fields
    expect(errors.filter(has_text="globally aphasic")).to_have_count(1)
    page.get_by_label("Orientation: year").uncheck()  # corrected: ICE 0, awake and aphasic
    expect(page.locator("#icans-preview")).to_have_attribute("data-grade", "3")
    expect(errors.filter(has_text="globally aphasic")).to_have_count(0)
