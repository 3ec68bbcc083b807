"""The treatment episode through its service functions: every transition, allowed and refused."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cellrelay.journal.models import JournalEntry
from cellrelay.monitoring import services as monitoring_services
from cellrelay.pathway import services
from cellrelay.pathway.models import Episode, Milestone
from cellrelay.pathway.states import ORDER, State, StopReason
from tests.conftest import open_episode, register

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def next_weekday(after_days: int) -> dt.date:
    day = TODAY + dt.timedelta(days=after_days)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def plan_from_past_apheresis(episode, users, days_ago=60):
    """An episode under way: the plan began in the past (as when recording an ongoing treatment)."""
    from cellrelay.pathway.schedule import previous_working_day

    apheresis = previous_working_day(TODAY - dt.timedelta(days=days_ago))
    return services.plan_schedule(actor=users["coordinator"], episode=episode, expected_version=None,
                                  apheresis_date=apheresis, allow_past=True)


def walk_to(episode, users, target: State):
    """Move the episode step by step to ``target``, each step on its planned date (or today)."""
    actor = users["coordinator"]
    while episode.state != target:
        nxt = ORDER[ORDER.index(State(episode.state)) + 1]
        if nxt == State.INFUSED:
            monitoring_services.update_checklist(actor=users["neurologist"], episode=episode, consultation_on=TODAY,
                                                 mri_on=TODAY, eeg_on=TODAY)
            for ld in episode.milestones.filter(kind="lymphodepletion", status="planned"):
                services.record_step(actor=actor, milestone=ld, on=min(ld.planned, TODAY), expected_version=None)
        step = {State.COLLECTED: "APH", State.PRODUCT_RECEIVED: "RCPT", State.ADMITTED: "ADM",
                State.LYMPHODEPLETION: "LD1", State.INFUSED: "D0", State.DISCHARGED: "DIS"}.get(nxt)
        on = min(episode.milestones.get(code=step).planned, TODAY) if step else TODAY
        episode = services.advance(actor=actor, episode=episode, target=nxt, on=on, expected_version=None)
    return episode


def test_an_approved_decision_opens_an_episode_with_its_history(episode):
    assert episode.state == State.APPROVED
    assert list(episode.state_changes.values_list("to_state", flat=True)) == [State.REFERRED, State.APPROVED]


def test_setting_d0_plans_the_schedule_and_schedules_apheresis(episode, users):
    d0 = next_weekday(60)
    episode = services.plan_schedule(actor=users["coordinator"], episode=episode, expected_version=1,
                                     infusion_date=d0)
    assert episode.state == State.APHERESIS_SCHEDULED
    ld = episode.milestones.filter(kind="lymphodepletion")
    assert [m.planned for m in ld] == [d0 - dt.timedelta(days=n) for n in (5, 4, 3)]
    assert ld[0].drugs[0] == {"drug": "cyclophosphamide", "dose_mg_m2": 500, "dose_mg": 970.0}  # BSA 1.94
    assert JournalEntry.objects.filter(action="episode.scheduled").exists()


def test_the_whole_pathway_one_step_at_a_time(episode, users):
    episode = plan_from_past_apheresis(episode, users, days_ago=120)
    episode = walk_to(episode, users, State.CLOSED)
    reached = list(episode.state_changes.values_list("to_state", flat=True))
    assert reached == [s.value for s in ORDER]
    assert not episode.milestones.filter(code__in=["APH", "RCPT", "ADM", "LD1", "D0", "DIS"], actual=None).exists()


@pytest.mark.parametrize("current", [s for s in ORDER if s not in (State.REFERRED, State.CLOSED)])
def test_skipping_a_state_is_refused(episode, users, current):
    if current != State.APPROVED:
        episode = walk_to(plan_from_past_apheresis(episode, users, days_ago=120), users, current)
    index = ORDER.index(current)
    for target in ORDER[index + 2:] + ORDER[:index + 1]:
        if target == State.REFERRED:
            continue
        with pytest.raises(ValidationError):
            services.advance(actor=users["coordinator"], episode=episode, target=target, on=TODAY,
                             expected_version=None)
    episode.refresh_from_db()
    assert episode.state == current


def test_apheresis_cannot_be_recorded_before_the_plan_exists(episode, users):
    with pytest.raises(ValidationError):
        services.advance(actor=users["coordinator"], episode=episode, target=State.APHERESIS_SCHEDULED, on=TODAY,
                         expected_version=None)


def test_infusion_needs_every_lymphodepletion_day_recorded(episode, users):
    episode = plan_from_past_apheresis(episode, users, days_ago=120)
    episode = walk_to(episode, users, State.LYMPHODEPLETION)
    monitoring_services.update_checklist(actor=users["neurologist"], episode=episode, consultation_on=TODAY,
                                         mri_on=TODAY, eeg_on=TODAY)
    with pytest.raises(ValidationError, match="LD2, LD3"):
        services.advance(actor=users["coordinator"], episode=episode, target=State.INFUSED, on=TODAY,
                         expected_version=None)


def test_a_closed_episode_cannot_change(episode, users):
    episode = walk_to(plan_from_past_apheresis(episode, users, 120), users, State.CLOSED)
    with pytest.raises(ValidationError, match="cannot change"):
        services.stop_episode(actor=users["coordinator"], episode=episode, reason=StopReason.OTHER, note="x", on=TODAY,
                              expected_version=None)


@pytest.mark.parametrize("reason", list(StopReason))
@pytest.mark.parametrize("at", [State.APPROVED, State.MANUFACTURING, State.ADMITTED])
def test_an_episode_stops_at_any_open_state_and_nothing_is_deleted(episode, users, reason, at):
    episode = walk_to(plan_from_past_apheresis(episode, users, 120), users, at) if at != State.APPROVED else episode
    milestones = episode.milestones.count()
    episode = services.stop_episode(actor=users["haematologist"], episode=episode, reason=reason, on=TODAY,
                                    note="see letter" if reason == StopReason.OTHER else "", expected_version=None)
    assert (episode.state, episode.stop_reason, episode.stopped_from) == (State.STOPPED, reason, at)
    assert episode.milestones.count() == milestones
    assert not episode.milestones.filter(status=Milestone.Status.PLANNED).exists()
    assert Episode.objects.filter(pk=episode.pk).exists()


def test_stopping_for_another_reason_needs_a_word(episode, users):
    with pytest.raises(ValidationError):
        services.stop_episode(actor=users["coordinator"], episode=episode, reason=StopReason.OTHER, on=TODAY,
                              expected_version=None)


def test_a_late_step_moves_only_the_later_planned_dates(episode, users):
    episode = plan_from_past_apheresis(episode, users, days_ago=40)
    before = {m.code: m.planned for m in episode.milestones.all()}
    aph = episode.milestones.get(code="APH")
    services.advance(actor=users["apheresis"], episode=episode, target=State.COLLECTED,
                     on=aph.planned + dt.timedelta(days=2), expected_version=None)
    after = {m.code: m.planned for m in episode.milestones.all()}
    assert after["APH"] == before["APH"]
    assert all(after[code] == before[code] + dt.timedelta(days=2) for code in before if code != "APH")
    entry = JournalEntry.objects.filter(action="milestone.recorded").last()
    assert entry.after["D0"] == after["D0"].isoformat() and entry.before["D0"] == before["D0"].isoformat()


def test_moving_d0_before_the_ld_days_is_refused(episode, users):
    episode = services.plan_schedule(actor=users["coordinator"], episode=episode, expected_version=None,
                                     infusion_date=next_weekday(60))
    d0 = episode.milestones.get(code="D0")
    with pytest.raises(ValidationError, match="lymphodepletion"):
        services.replan_milestone(actor=users["coordinator"], milestone=d0, planned=d0.planned - dt.timedelta(days=4),
                                  expected_version=None)
    d0.refresh_from_db()
    assert d0.planned == next_weekday(60)


def test_moving_d0_later_moves_the_steps_counted_from_it(episode, users):
    episode = services.plan_schedule(actor=users["coordinator"], episode=episode, expected_version=None,
                                     infusion_date=next_weekday(60))
    d0 = episode.milestones.get(code="D0")
    drv = episode.milestones.get(code="DRV").planned
    services.replan_milestone(actor=users["coordinator"], milestone=d0, planned=d0.planned + dt.timedelta(days=7),
                              expected_version=None)
    assert episode.milestones.get(code="DRV").planned == drv + dt.timedelta(days=7)
    assert episode.milestones.get(code="LD1").planned == d0.planned - dt.timedelta(days=5)


def test_a_second_open_episode_for_the_same_product_is_refused(org, patient, episode):
    with pytest.raises(ValidationError, match="already has an open episode"):
        open_episode(org, patient)


def test_another_product_for_the_same_patient_is_allowed(org, patient, episode):
    assert open_episode(org, patient, product="breyanzi").state == State.APPROVED


def test_a_stale_version_is_refused(episode, users):
    services.plan_schedule(actor=users["coordinator"], episode=episode, expected_version=1,
                           infusion_date=next_weekday(60))
    with pytest.raises(services.StaleEpisode):
        services.stop_episode(actor=users["haematologist"], episode=episode, reason=StopReason.PROGRESSION,
                              on=TODAY, expected_version=1)


def test_a_plan_starting_in_the_past_is_refused_by_default(episode, users):
    with pytest.raises(ValidationError, match="in the past"):
        services.plan_schedule(actor=users["coordinator"], episode=episode, expected_version=None,
                               infusion_date=TODAY + dt.timedelta(days=10))


def test_a_step_cannot_be_recorded_in_the_future(episode, users):
    episode = services.plan_schedule(actor=users["coordinator"], episode=episode, expected_version=None,
                                     infusion_date=next_weekday(60))
    with pytest.raises(ValidationError, match="future"):
        services.advance(actor=users["apheresis"], episode=episode, target=State.COLLECTED,
                         on=TODAY + dt.timedelta(days=1), expected_version=None)


def test_every_change_is_journaled_with_its_actor(org, users):
    patient = register(org, family="Journal", serial=77)
    episode = open_episode(org, patient)
    plan_from_past_apheresis(episode, users)
    actions = set(JournalEntry.objects.filter(patient_id=patient.pk).values_list("action", "actor__username"))
    assert {("episode.opened", "haematologist"), ("episode.scheduled", "coordinator"),
            ("mdt.decision_recorded", "haematologist")} <= actions


def test_infusion_waits_for_the_neurology_checklist_or_a_waiver(episode, users):
    episode = walk_to(plan_from_past_apheresis(episode, users, days_ago=120), users, State.LYMPHODEPLETION)
    for ld in episode.milestones.filter(kind="lymphodepletion", status="planned"):
        services.record_step(actor=users["wardnurse"], milestone=ld, on=min(ld.planned, TODAY), expected_version=None)
    monitoring_services.update_checklist(actor=users["neurologist"], episode=episode, consultation_on=TODAY)
    with pytest.raises(ValidationError, match="brain MRI, EEG"):
        services.advance(actor=users["wardnurse"], episode=episode, target=State.INFUSED, on=TODAY,
                         expected_version=None)
    monitoring_services.waive_checklist(actor=users["haematologist"], episode=episode,
                                        reason="MRI unavailable for 10 days; neurologist examined")
    episode = services.advance(actor=users["wardnurse"], episode=episode, target=State.INFUSED, on=TODAY,
                               expected_version=None)
    assert episode.state == State.INFUSED
