"""Under the Content-Security-Policy the pages still work and look as drawn: the browser reports no refused inline
script or style on representative pages (charts, htmx swaps, the API docs), in the order a user meets them."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, open_episode, register
from tests.monitoring.test_services import infused, vitals

pytestmark = pytest.mark.browser


class Refusals:
    """What the browser said it refused under the policy, page by page, and any script error."""

    def __init__(self, page):
        self.found: list[str] = []
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.found.append(f"{page.url}: {error}"))
        self.page = page

    def console(self, message):
        words = message.text
        if "Content Security Policy" in words or words.startswith("Refused to"):
            self.found.append(f"{self.page.url}: {words}")


def log_in(page, username):
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def screenshot(page, tmp_path, name):
    """Kept in the test's folder for a person to look at (pytest --basetemp=DIR keeps them where asked)."""
    page.screenshot(path=tmp_path / f"{name}.png", full_page=True)


def test_the_coordinators_pages_run_under_the_policy_without_a_refusal(page, org, users, tmp_path):
    patient = register(org)
    planning = open_episode(org, patient)
    treated = infused(open_episode(org, register(org, family="Roux", given="Anne", sex="F", serial=2)), users)
    vitals(treated, users, hypotension="one_vasopressor")
    refusals = Refusals(page)

    page.goto("/login/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    screenshot(page, tmp_path, "login")
    log_in(page, "coordinator")

    page.goto("/worklist/")
    expect(page.get_by_role("heading", name="Worklist")).to_be_visible()
    screenshot(page, tmp_path, "worklist")

    page.goto(f"/patients/{patient.pk}/")
    expect(page.get_by_role("heading", name="GARNIER Michel")).to_be_visible()
    screenshot(page, tmp_path, "patient")

    # The plan's preview is swapped in by htmx when a date changes.
    page.goto(f"/episodes/{planning.pk}/")
    page.locator("form.filters input[type=date]").first.fill("2031-03-03")
    page.locator("form.filters input[type=date]").first.dispatch_event("change")
    expect(page.locator("#plan-preview")).not_to_be_empty()
    screenshot(page, tmp_path, "episode-plan-preview")

    # The flow sheet's server-drawn chart, then the vital signs form whose proposed grade htmx swaps in.
    page.goto(f"/episodes/{treated.pk}/monitoring/")
    expect(page.locator("figure.monitoring svg")).to_be_visible()
    expect(page.locator(".grade").first).to_have_css("font-weight", "700")  # the room's stylesheet applies
    screenshot(page, tmp_path, "flow-sheet")
    page.get_by_role("link", name="Record vital signs").click()
    page.wait_for_url("**/vitals/new/")
    page.wait_for_load_state("load")  # htmx (a deferred script) listens from here on
    page.get_by_label("Temperature (°C)").fill("39.2")
    expect(page.locator("#crs-preview")).to_have_attribute("data-grade", "1")
    screenshot(page, tmp_path, "vital-signs-preview")

    page.goto(f"/episodes/{treated.pk}/")
    expect(page.locator("figure.timeline svg")).to_be_visible()
    screenshot(page, tmp_path, "episode-timeline")

    page.goto(f"/episodes/{treated.pk}/products/")
    expect(page.locator(".chain-id")).to_have_css("display", "grid")  # products.css applies
    screenshot(page, tmp_path, "chain")

    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("cellrelay")
    expect(page.locator(".opblock").first).to_be_visible()
    screenshot(page, tmp_path, "api-docs")

    assert refusals.found == []


def test_the_pharmacists_cryostorage_runs_under_the_policy_without_a_refusal(page, org, tmp_path):
    refusals = Refusals(page)
    log_in(page, "pharmacist")
    page.goto("/pharmacy/storage/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, tmp_path, "storage")
    assert refusals.found == []
