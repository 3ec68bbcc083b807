"""The episode pages: planning with a preview, moving on, stopping, moving a date; errors beside fields."""

import datetime as dt

import pytest
from django.utils import timezone

from cellrelay.pathway.models import Milestone
from cellrelay.pathway.states import State

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def weekday_ahead(days: int) -> dt.date:
    day = TODAY + dt.timedelta(days=days)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def test_the_preview_shows_the_plan_and_saves_nothing(client_as, episode):
    page = client_as("coordinator").get(f"/episodes/{episode.pk}/plan/preview/",
                                        {"infusion_date": weekday_ahead(60).isoformat()})
    html = page.content.decode()
    assert "LD1" in html and "970.0 mg" in html and "nothing is saved" in html
    assert not Milestone.objects.exists()


def test_the_preview_names_a_weekend_apheresis(client_as, episode):
    saturday = TODAY + dt.timedelta(days=(5 - TODAY.weekday()) % 7 + 7)
    html = client_as("coordinator", "fr").get(f"/episodes/{episode.pk}/plan/preview/",
                                              {"apheresis_date": saturday.isoformat()}).content.decode()
    assert "week-end" in html


def test_plan_then_record_the_collection_through_the_pages(client_as, episode):
    coordinator = client_as("coordinator")
    response = coordinator.post(f"/episodes/{episode.pk}/plan/", {"version": 1,
                                                                 "infusion_date": weekday_ahead(60).isoformat()})
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.state == State.APHERESIS_SCHEDULED
    page = client_as("apheresis").get(f"/episodes/{episode.pk}/").content.decode()
    # The collection is a custody record: the episode page sends the nurse to the product page, not a date form.
    assert "Record: Cells collected" not in page and f"/episodes/{episode.pk}/products/" in page
    explained = client_as("apheresis").post(f"/episodes/{episode.pk}/next/", {"version": episode.version,
                                                                            "on": TODAY.isoformat()})
    assert "recorded with the product's chain of custody" in explained.content.decode()
    episode.refresh_from_db()
    assert episode.state == State.APHERESIS_SCHEDULED


def test_a_step_in_the_future_is_refused(client_as, episode, users):
    from tests.pathway.test_episode import plan_from_past_apheresis, walk_to

    walk_to(plan_from_past_apheresis(episode, users), users, State.PRODUCT_RECEIVED)
    episode.refresh_from_db()
    refused = client_as("coordinator").post(f"/episodes/{episode.pk}/next/", {
        "version": episode.version, "on": (TODAY + dt.timedelta(days=2)).isoformat()})
    assert "This date is in the future." in refused.content.decode()
    episode.refresh_from_db()
    assert episode.state == State.PRODUCT_RECEIVED


def test_a_stale_page_is_refused_with_a_message(client_as, episode):
    client = client_as("coordinator")
    client.post(f"/episodes/{episode.pk}/plan/", {"version": 1, "infusion_date": weekday_ahead(60).isoformat()})
    stale = client.post(f"/episodes/{episode.pk}/stop/", {"version": 1, "reason": "progression",
                                                          "on": TODAY.isoformat()})
    assert "changed by someone else" in stale.content.decode()
    episode.refresh_from_db()
    assert episode.state == State.APHERESIS_SCHEDULED


def test_stopping_for_another_reason_asks_for_details_beside_the_field(client_as, episode):
    page = client_as("haematologist").post(f"/episodes/{episode.pk}/stop/", {"version": 1, "reason": "other",
                                                                             "on": TODAY.isoformat()})
    assert page.context["form"].errors["note"]


def test_moving_d0_before_the_ld_days_shows_the_reason(client_as, episode):
    client = client_as("coordinator")
    d0 = weekday_ahead(60)
    client.post(f"/episodes/{episode.pk}/plan/", {"version": 1, "infusion_date": d0.isoformat()})
    episode.refresh_from_db()
    milestone = episode.milestones.get(code="D0")
    page = client.post(f"/milestones/{milestone.pk}/move/", {"version": episode.version,
                                                             "planned": (d0 - dt.timedelta(days=4)).isoformat()})
    assert "would fall on or after D0" in page.content.decode()


def test_an_administrator_edits_a_template_naming_the_source(client_as, org):
    from cellrelay.pathway.models import ProtocolTemplate

    template = ProtocolTemplate.objects.get(product="breyanzi")
    client = client_as("admin")
    form = client.get(f"/protocols/{template.pk}/edit/").context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["ld_days"] = form["ld_days"].value()
    data["manufacturing_days"] = 24
    assert client.post(f"/protocols/{template.pk}/edit/", data).context["form"].errors["source"]
    response = client.post(f"/protocols/{template.pk}/edit/", {**data, "source": "Breyanzi SmPC 2026-10"})
    assert response.status_code == 302
    edit = template.edits.get()
    assert edit.before == {"manufacturing_days": 28} and edit.after == {"manufacturing_days": 24}
    assert edit.source == "Breyanzi SmPC 2026-10"
