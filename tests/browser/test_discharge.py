"""The ward records a discharge at D+3 while a CRS grade 2 is still open: the page asks to confirm, with the
reason, and the follow-up dates on the episode page stay counted from the day of infusion (D0)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import formats, timezone
from playwright.sync_api import expect

from cellrelay.monitoring import services as monitoring_services
from cellrelay.pathway.models import Episode
from cellrelay.pathway.schedule import add_months
from cellrelay.pathway.states import State
from tests.conftest import PASSWORD
from tests.monitoring.test_services import vitals
from tests.pathway.test_anchoring import infused_days_ago

pytestmark = pytest.mark.browser


@pytest.fixture
def crs_open(episode, users):
    """Infused a few days ago; yesterday a CRS grade 2, confirmed by the haematologist, and nothing since."""
    episode = infused_days_ago(episode, users)
    yesterday = timezone.make_aware(dt.datetime.combine(timezone.localdate() - dt.timedelta(days=1), dt.time(8)))
    crs = vitals(episode, users, taken_at=yesterday, temperature_c=Decimal("39.3"), hypotension="no_vasopressor")
    monitoring_services.confirm_grade(actor=users["haematologist"], source=crs, confirmed=2)
    return episode, yesterday.date()


def shown(day: dt.date) -> re.Pattern:
    """The date as the schedule may write it (numeric day first, or in words)."""
    forms = {day.strftime("%d/%m/%Y"), formats.date_format(day, "SHORT_DATE_FORMAT"),
             formats.date_format(day, "DATE_FORMAT")}
    return re.compile("|".join(re.escape(form) for form in forms))


def test_discharge_with_an_open_crs_is_confirmed_and_the_follow_up_stays_on_d0(page, crs_open):
    episode, crs_day = crs_open
    d0 = episode.milestones.get(code="D0").actual
    page.goto("/login/")
    page.get_by_label("Username").fill("wardnurse")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(f"/episodes/{episode.pk}/")
    page.get_by_role("link", name="Record: Discharged").click()
    reasons = page.locator("#reasons-to-confirm")
    expect(reasons).to_contain_text("CRS grade 2 on")
    expect(reasons).to_contain_text(shown(crs_day))
    expect(reasons).to_contain_text("not resolved")

    page.get_by_role("button", name="Save").click()  # not confirmed: nothing is recorded
    expect(page.locator("#id_confirmed-error")).to_contain_text("confirm that you record this step")
    assert Episode.objects.get(pk=episode.pk).state == State.ACUTE_MONITORING

    page.get_by_label("I have read the points above and record this step anyway").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Step recorded.")).to_be_visible()
    expect(page.locator(".idline .state")).to_have_text("Discharged")

    schedule = page.locator("table.schedule")
    for label, day in (("End of stay near the center", d0 + dt.timedelta(days=28)),
                       ("End of the no-driving period", d0 + dt.timedelta(days=56))):
        expect(schedule.get_by_role("row").filter(has_text=label)).to_contain_text(shown(day))

    page.get_by_role("link", name="Follow-up: visits, calls, response and outcome").click()
    visits = page.locator("table.visits")
    for code, day in (("D7", d0 + dt.timedelta(days=7)), ("D14", d0 + dt.timedelta(days=14)),
                      ("D28", d0 + dt.timedelta(days=28)), ("D100", d0 + dt.timedelta(days=100)),
                      ("M6", add_months(d0, 6))):
        expect(visits.get_by_role("row").filter(has=page.get_by_role("cell", name=code, exact=True))).to_contain_text(
            shown(day))
