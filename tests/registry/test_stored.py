"""The research assistant's page and the completeness endpoint read stored rows: a change recorded anywhere (a value
entered here, a grade confirmed on the flow sheet, a follow-up visit) shows at the next request, a due date passing
turns a row overdue, and what they show is what computing every episode would show."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from cellrelay.followup import services as followup_services
from cellrelay.followup.models import Visit
from cellrelay.monitoring import services as monitoring_services
from cellrelay.patients.models import Patient
from cellrelay.registry import completeness, services, stored
from cellrelay.registry.models import CompletenessRow
from cellrelay.registry.sources import Bundle

from .helpers import consent, infused_long_ago

pytestmark = pytest.mark.django_db


def rows(client, **filters) -> dict:
    """The endpoint's rows, by (form, timepoint), of one form (and status)."""
    answer = client.get("/api/v1/registry/completeness", filters).json()
    return {(row["form"], row["timepoint"]): row for row in answer["rows"]}


def missing(row) -> set[str]:
    return {item["item"] for item in row["missing"]}


def test_a_value_entered_shows_at_the_next_request(org, patient, episode, api_as, users):
    consent(org, patient, "registry")
    client = api_as("research")
    before = client.get("/api/v1/registry/completeness", {"form": "atih:atih_ordering"}).json()
    assert missing(before["rows"][0]) == {"usually_followed_here"} and before["complete"] == 0
    services.enter_value(actor=users["research"], episode=episode, item="usually_followed_here", text="yes")
    after = client.get("/api/v1/registry/completeness", {"form": "atih:atih_ordering"}).json()
    assert after["complete"] == 1 and after["counts"]["complete"] == 1
    assert after["rows"][0]["status"] == completeness.COMPLETE and after["rows"][0]["missing"] == []


def test_a_consent_given_unblocks_the_forms_at_the_next_request(org, patient, episode, client_as):
    client = client_as("research")
    assert "Reimbursement data at ordering" not in client.get("/registry/").content.decode().partition(
        '<table class="registry-rows"')[2]
    consent(org, patient, "registry")
    page = client.get("/registry/").content.decode()
    assert "Reimbursement data at ordering" in page.partition('<table class="registry-rows"')[2]


def test_a_grade_confirmed_on_the_flow_sheet_and_a_visit_recorded_show_at_the_next_request(org, patient, api_as,
                                                                                           users):
    consent(org, patient, "registry", "data_sharing")
    episode = infused_long_ago(org, patient, days_ago=150)  # D100 passed, not yet due
    client = api_as("research")
    day100 = rows(client, form="ebmt:day100")[("ebmt:day100", "D100")]
    assert {"crs_max_grade", "survival_status"} <= missing(day100)

    d0 = monitoring_services.infusion_day(episode)
    vitals = monitoring_services.record_vital_signs(
        actor=users["wardnurse"], episode=episode, taken_at=timezone.make_aware(dt.datetime.combine(
            d0 + dt.timedelta(days=2), dt.time(10))), temperature_c=Decimal("39.0"))
    monitoring_services.confirm_grade(actor=users["haematologist"], source=vitals, confirmed=vitals.crs_proposed)
    day100 = rows(client, form="ebmt:day100")[("ebmt:day100", "D100")]
    assert "crs_max_grade" not in missing(day100) and "survival_status" in missing(day100)

    visit = Visit.objects.get(plan__episode=episode, code="D100")
    followup_services.record_visit(actor=users["haematologist"], visit=visit, status=Visit.Status.DONE,
                                   on=timezone.localdate() - dt.timedelta(days=8))
    day100 = rows(client, form="ebmt:day100")[("ebmt:day100", "D100")]
    assert "survival_status" not in missing(day100)


def test_a_due_date_passing_turns_the_row_overdue_and_a_timepoint_reached_shows_the_next_one(
        org, patient, api_as, monkeypatch):
    consent(org, patient, "registry", "data_sharing")
    episode = infused_long_ago(org, patient, days_ago=110)  # D100 not reached yet
    d0 = monitoring_services.infusion_day(episode)
    assert timezone.localdate() < d0 + dt.timedelta(days=100)
    client = api_as("research")
    assert ("ebmt:day100", "D100") in rows(client, form="ebmt:day100", status="not_due")
    assert set(rows(client, form="ebmt:annual", status="not_due")) == {("ebmt:annual", "Y1")}

    def on(day):
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    on(d0 + dt.timedelta(days=100))  # D100 reached: its items are missing
    assert rows(client, form="ebmt:day100")[("ebmt:day100", "D100")]["status"] == completeness.MISSING
    due = dt.date.fromisoformat(rows(client, form="ebmt:day100")[("ebmt:day100", "D100")]["due"])
    on(due)
    assert rows(client, form="ebmt:day100")[("ebmt:day100", "D100")]["status"] == completeness.MISSING
    on(due + dt.timedelta(days=1))
    listing = client.get("/api/v1/registry/completeness", {"form": "ebmt:day100"}).json()
    assert listing["rows"][0]["status"] == completeness.OVERDUE and listing["counts"]["overdue"] == 1
    assert listing["counts"]["missing"] == 0
    on(d0 + dt.timedelta(days=365))  # Y1 reached: Y2 becomes the next one shown
    assert ("ebmt:annual", "Y1") in rows(client, form="ebmt:annual")
    assert set(rows(client, form="ebmt:annual", status="not_due")) == {("ebmt:annual", "Y2")}


def test_the_stored_rows_are_those_every_episode_computed_gives(org, patient, referred_patient, users):
    consent(org, patient, "registry", "data_sharing")
    consent(org, referred_patient, "registry")
    infused_long_ago(org, patient)
    infused_long_ago(org, referred_patient, days_ago=40)
    research = users["research"]
    computed = completeness.rows(Bundle.for_patients(Patient.objects.all()))
    for status in ("", *completeness.STATUS_LABELS):
        listing = stored.listing(research, status=status)
        expected = completeness.filtered(computed, status=status)
        assert listing.count == len(expected)
        assert sorted((r.episode.pk, r.form.key, r.timepoint, r.status, [i.code for i, _w in r.missing])
                      for r in listing.rows) == \
            sorted((r.episode.pk, r.form.key, r.timepoint, r.status, [i.code for i, _w in r.missing])
                   for r in expected)
    assert stored.listing(research).summary == completeness.summarise(computed)


def test_refresh_registry_computes_every_episode_again(org, patient, episode, users):
    consent(org, patient, "registry")
    stored.bring_up_to_date()
    CompletenessRow.objects.all().delete()  # as after loading data that bypassed the services
    out = io.StringIO()
    call_command("refresh_registry", stdout=out)
    assert "computed for 1 episodes" in out.getvalue()
    assert stored.listing(users["research"]).count == len(completeness.filtered(
        completeness.rows(Bundle([episode]))))


def test_reading_a_record_computes_nothing_again(org, patient, episode, client_as):
    consent(org, patient, "registry")
    client = client_as("research")
    client.get("/registry/")
    client.get(f"/patients/{patient.pk}/")  # a read, journaled under the patient
    assert stored.bring_up_to_date() == 0


def test_a_bulk_seeding_leaves_its_episodes_computed(org):
    call_command("seed_synthetic", patients=8, seed=3, no_progress=True, stdout=io.StringIO())
    computed = completeness.rows(Bundle.for_patients(Patient.objects.all()))
    assert computed and CompletenessRow.objects.count() == len(computed)
    assert stored.bring_up_to_date() == 0  # nothing left for the first page to compute
