"""The demo hospital, seeded once for the module through the services: every state, stop and outcome, dates
consistent with today, each product chain recorded, everything journaled once."""

from collections import Counter
import io

from django.core.management import call_command
import pytest

from cellrelay.journal.models import JournalEntry
from cellrelay.pathway.models import Episode, Milestone, StateChange
from cellrelay.pathway.states import FINAL, ORDER, State, StopReason
from cellrelay.patients.models import Patient
from cellrelay.referrals.models import MdtDecision, MdtMeeting, Referral

from .test_seeds import Action, assert_history_consistent, assert_milestones_consistent, today

@pytest.fixture
def demo(demo_for_the_module, db):
    return demo_for_the_module


def test_the_demo_covers_every_state_every_stop_and_every_outcome(demo):
    states = Counter(Episode.objects.values_list("state", flat=True))
    assert set(ORDER[1:]) <= set(states)  # approved … closed
    stops = Counter(Episode.objects.filter(state=State.STOPPED).values_list("stop_reason", flat=True))
    assert set(stops) == {reason.value for reason in StopReason}
    assert Episode.objects.get(stop_reason=StopReason.OTHER).stop_note
    # Before infusion (pathway.md: attrition).
    assert set(Episode.objects.filter(state=State.STOPPED).values_list("stopped_from", flat=True)) <= set(
        ORDER[1:ORDER.index(State.INFUSED)])

    outcomes = Counter(MdtDecision.objects.values_list("outcome", flat=True))
    assert outcomes["declined"] == 1 and outcomes["deferred"] == 1 and outcomes["approved"] == Episode.objects.count()
    assert MdtDecision.objects.get(outcome="declined").reason
    deferred = MdtDecision.objects.get(outcome="deferred")
    assert deferred.deferred_until > deferred.meeting.held_on
    awaiting = Referral.objects.filter(decisions=None)
    assert awaiting.count() == 1
    upcoming = MdtMeeting.objects.get(held_on__gt=today())
    assert set(upcoming.agenda.all()) == {awaiting.get(), deferred.referral}
    assert MdtMeeting.objects.filter(held_on__lt=today()).count() >= 2
    trial = MdtDecision.objects.get(product="investigational")
    assert trial.indication == "trial" and trial.trial == "CASTLE-SLE (phase 1/2)"
    assert trial.referral.diagnosis == "sle"
    assert Referral.objects.count() == Patient.objects.count() >= 20
    assert "Episodes:" in demo and "declined" in demo


def test_the_demo_dates_are_consistent_with_today(demo):
    for episode in Episode.objects.all():
        milestones = list(episode.milestones.all())
        if milestones:
            assert_milestones_consistent(episode, milestones, today())
        else:
            assert episode.state in (State.APPROVED, State.STOPPED)
        assert_history_consistent(episode, list(episode.state_changes.all()))
        decision = episode.decision
        assert decision.referral.received_on < decision.meeting.held_on < today()
        aph = episode.milestones.filter(code="APH").first()
        if aph and aph.status == Milestone.Status.DONE:
            assert 10 <= (aph.actual - decision.meeting.held_on).days <= 45
    open_ = Episode.objects.exclude(state__in=FINAL)
    overdue = Milestone.objects.filter(episode__in=open_, status="planned", planned__lt=today())
    assert not overdue.exists(), list(overdue.values_list("episode__state", "code"))


def test_the_demo_records_each_product_chain_through_the_services(demo):
    from cellrelay.pharmacy.models import Position, TankReading
    from cellrelay.products.models import Bag, CustodyEvent, Deviation

    for episode in Episode.objects.exclude(state__in=(State.APPROVED, State.APHERESIS_SCHEDULED)):
        if episode.state == State.STOPPED and episode.stopped_from in (State.APPROVED, State.APHERESIS_SCHEDULED):
            continue
        assert episode.collections.count() == 1, episode
        events = list(CustodyEvent.objects.filter(collection__episode=episode).values_list("action", flat=True))
        assert events == ["collected", "shipped"], episode
        infused = episode.state_changes.filter(to_state=State.INFUSED).exists()
        if infused:
            bags = Bag.objects.filter(product__episode=episode)
            assert bags and all(bag.infusion_ended_at and bag.bedside_second_person for bag in bags), episode
    # Every bag the pharmacy holds for an episode waiting for its infusion is in the tank.
    waiting = Bag.objects.filter(product__episode__state__in=(State.PRODUCT_RECEIVED, State.ADMITTED,
                                                              State.LYMPHODEPLETION))
    assert waiting and all(Position.objects.filter(bag=bag).exists() for bag in waiting)
    assert Deviation.objects.get().kind == "seal_broken"  # the demo's quarantine, released after review
    assert JournalEntry.objects.filter(action="products.quarantine_released").count() == 1
    assert set(TankReading.objects.values_list("source", flat=True)) == {"typed", "probe"}


def test_the_demo_is_journaled_and_runs_once(demo):
    assert JournalEntry.objects.filter(action=Action.REFERRAL_CREATED).count() == Referral.objects.count()
    assert JournalEntry.objects.filter(action=Action.DECISION_RECORDED).count() == MdtDecision.objects.count()
    assert JournalEntry.objects.filter(action=Action.EPISODE_OPENED).count() == Episode.objects.count()
    assert JournalEntry.objects.filter(action=Action.EPISODE_STOPPED).count() == len(StopReason)
    assert JournalEntry.objects.filter(action=Action.MILESTONE_RECORDED).count() == Milestone.objects.filter(
        status="done").count()
    counts = (Patient.objects.count(), Referral.objects.count(), StateChange.objects.count(),
              JournalEntry.objects.count())

    call_command("seed_demo", stdout=io.StringIO())

    assert (Patient.objects.count(), Referral.objects.count(), StateChange.objects.count(),
            JournalEntry.objects.count()) == counts
    call_command("verify_journal", stdout=io.StringIO())




def test_the_demo_follow_up_tells_years_relapses_deaths_and_the_referring_hospital(demo):
    from cellrelay.followup.models import Death, FollowUpPlan, Response, Visit
    from cellrelay.organisation.models import User

    done = Visit.objects.filter(status=Visit.Status.DONE)
    assert done.filter(code__in=[f"Y{year}" for year in range(5, 16)]).exists()  # someone past Y5
    assert Response.objects.filter(is_progression=True).count() >= 2
    deaths = {death.cause: death for death in Death.objects.all()}
    assert set(deaths) == {"progression", "non_relapse"} and deaths["non_relapse"].toxicity
    assert not Visit.objects.filter(plan__episode__patient__death__isnull=False, status=Visit.Status.PLANNED).exists()
    referrer = User.objects.get(username="referrer")
    theirs = done.filter(place=Visit.Place.REFERRING)
    assert theirs.exists() and all(v.recorded_by == referrer for v in theirs)
    assert all(v.center_id == v.plan.episode.patient.referring_center_id
               for v in Visit.objects.filter(place=Visit.Place.REFERRING))
    assert Response.objects.filter(recorded_by=referrer, is_progression=True).exists()  # the relapse, theirs
    assert all(plan.d0 == plan.episode.milestones.get(code="D0").actual for plan in FollowUpPlan.objects.all())


def test_the_coordinators_demo_day_has_something_in_every_list(demo):
    from cellrelay.followup import worklist
    from cellrelay.organisation.models import Center

    sections = {s.key: s for s in worklist.sections(Patient.objects.all(), today())}
    escalated = sections["escalated"].rows
    assert escalated and escalated[0].escalation == ["fever"] and escalated[0].made_at.date() == today()
    assert sections["calls"].count >= 1 and sections["this_week"].count >= 1
    overdue = sections["overdue"].rows
    assert {visit.center.kind for visit in overdue} == {Center.Kind.TREATING, Center.Kind.REFERRING}
    assert sections["at_risk"].count == 1


def test_the_demo_follow_up_is_journaled(demo):
    from cellrelay.followup.models import Death, Response, Visit

    recorded = Visit.objects.exclude(status__in=(Visit.Status.PLANNED, Visit.Status.ENDED)).count()
    assert JournalEntry.objects.filter(action=Action.VISIT_RECORDED).count() == recorded
    assert JournalEntry.objects.filter(action=Action.RESPONSE_RECORDED).count() == Response.objects.count()
    assert JournalEntry.objects.filter(action=Action.DEATH_RECORDED).count() == Death.objects.count() == 2
    assert JournalEntry.objects.filter(action=Action.FOLLOWUP_PLANNED).count() == Episode.objects.filter(
        state_changes__to_state=State.INFUSED).count()
