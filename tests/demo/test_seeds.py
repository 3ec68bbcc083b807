"""The data generators' pathway: seed_demo through the services, seed_synthetic in bulk, and the
pure generator's invariants (cellrelay/demo/synthetic/pathway.py)."""

from collections import Counter
import datetime as dt
from decimal import Decimal
import io
import random

from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone
from hypothesis import given, strategies as st
import pytest

from cellrelay.demo.synthetic import pathway as synthetic
from cellrelay.journal.models import JournalEntry
from cellrelay.pathway import protocols
from cellrelay.pathway.models import Episode, Milestone, StateChange
from cellrelay.pathway.schedule import Kind, is_working_day, timepoint
from cellrelay.pathway.states import ORDER, State, StopReason
from cellrelay.patients.models import Patient
from cellrelay.referrals.models import MdtDecision, MdtMeeting, Referral

Action = JournalEntry.Action
# The state an episode cannot have reached without this step done.
STEP_OF_STATE = {State.COLLECTED: "APH", State.PRODUCT_RECEIVED: "RCPT", State.ADMITTED: "ADM",
                 State.LYMPHODEPLETION: "LD1", State.INFUSED: "D0", State.DISCHARGED: "DIS"}


def today():
    return timezone.localdate()


def assert_milestones_consistent(episode: Episode, milestones: list, on: dt.date) -> None:
    """LD days before D0, apheresis on a working day, the assessments, the end of the stay near the center and the
    follow-up counted from D0, done steps dated and not in the future, done exactly up to the episode's state,
    nothing left planned once stopped."""
    by_code = {m.code: m for m in milestones}
    d0 = by_code["D0"].actual or by_code["D0"].planned
    for m in milestones:
        when = m.actual or m.planned
        if m.kind in (Kind.ASSESSMENT, Kind.PROXIMITY_END, Kind.NO_DRIVING_END, Kind.FOLLOW_UP):
            assert m.planned == timepoint(d0, m.kind, m.code, m.day), (episode, m.code, m.planned, d0)
        if m.kind == Kind.LYMPHODEPLETION:
            assert when < d0, (episode, m.code)
        if m.kind == Kind.APHERESIS:
            assert is_working_day(when), (episode, when)
            assert when < d0
        assert (m.status == Milestone.Status.DONE) == (m.actual is not None), (episode, m.code)
        if m.actual:
            assert m.actual <= on, (episode, m.code, m.actual)
    state = episode.stopped_from if episode.state == State.STOPPED else episode.state
    if state == State.CLOSED:
        state = State.LONG_TERM_FOLLOW_UP
    for target, code in STEP_OF_STATE.items():
        done = by_code[code].status == Milestone.Status.DONE
        assert done == (ORDER.index(State(state)) >= ORDER.index(target)), (episode, episode.state, code)
    if episode.state == State.STOPPED:
        assert not [m for m in milestones if m.status == Milestone.Status.PLANNED]


def assert_history_consistent(episode: Episode, changes: list) -> None:
    """Referred on the referral's day, approved on the RCP's, one move at a time, ending in the state."""
    assert [c.from_state for c in changes[1:]] == [c.to_state for c in changes[:-1]]
    assert changes[0].to_state == State.REFERRED and changes[1].to_state == State.APPROVED
    assert changes[-1].to_state == episode.state
    for change in changes[2:]:
        if change.to_state != State.STOPPED:
            assert ORDER.index(State(change.to_state)) == ORDER.index(State(change.from_state)) + 1
    assert all(change.on <= today() for change in changes)


# seed_synthetic: in bulk --------------------------------------------------------------------------------

def seed_synthetic(patients=500, seed=1):
    out = io.StringIO()
    call_command("seed_synthetic", patients=patients, seed=seed, no_progress=True, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(org):
    return seed_synthetic()


def test_every_patient_is_referred_and_decided_in_plausible_proportions(seeded):
    assert Referral.objects.count() == Patient.objects.count() == 500
    assert not Referral.objects.values("patient").annotate(n=Count("pk")).filter(n__gt=1).exists()
    outcomes = Counter(MdtDecision.objects.values_list("outcome", flat=True))
    awaiting = Referral.objects.filter(decisions=None).count()
    assert sum(outcomes.values()) + awaiting == 500
    assert 0.65 < outcomes["approved"] / 500 < 0.85
    assert 0.09 < outcomes["declined"] / 500 < 0.22
    assert 0.01 < outcomes["deferred"] / 500 < 0.10
    assert 0.01 < awaiting / 500 < 0.10
    assert Episode.objects.count() == outcomes["approved"]
    assert not MdtDecision.objects.filter(outcome="approved", episode=None).exists()
    assert not MdtDecision.objects.filter(outcome="declined", reason="").exists()
    for decision in MdtDecision.objects.filter(outcome="deferred").select_related("meeting"):
        assert decision.deferred_until > decision.meeting.held_on
    assert "referrals" in seeded


def test_decisions_are_taken_at_the_weekly_rcp_of_the_patients_center(seeded):
    meetings = MdtMeeting.objects.all()
    days = sorted(set(meetings.values_list("held_on", flat=True)))
    assert all(day < today() and is_working_day(day) for day in days)
    assert today() - days[0] <= dt.timedelta(days=3 * 366) and 150 <= len(days) <= 160
    assert all(5 <= (later - earlier).days <= 9 for earlier, later in zip(days, days[1:]))  # holidays: 8 May 2024
    for decision in MdtDecision.objects.select_related("meeting", "referral__patient"):
        assert decision.meeting.center_id == decision.referral.to_center_id == decision.referral.patient.treating_center_id
        assert decision.referral.received_on < decision.meeting.held_on
    assert MdtMeeting.agenda.through.objects.count() == MdtDecision.objects.count()


def test_episodes_stand_where_the_age_of_their_decision_says(seeded):
    episodes = list(Episode.objects.select_related("decision__meeting"))
    age = {episode.pk: (today() - episode.decision.meeting.held_on).days for episode in episodes}
    old = [e for e in episodes if age[e.pk] > 730]
    assert Counter(e.state for e in old).keys() <= {State.LONG_TERM_FOLLOW_UP, State.CLOSED, State.STOPPED}
    assert sum(e.state in (State.LONG_TERM_FOLLOW_UP, State.CLOSED) for e in old) / len(old) > 0.75
    assert all(e.state in (State.APPROVED, State.APHERESIS_SCHEDULED, State.STOPPED) for e in episodes if age[e.pk] < 10)
    settled = [e for e in episodes if age[e.pk] > 120]
    stopped = [e for e in settled if e.state == State.STOPPED]
    assert 0.05 < len(stopped) / len(settled) < 0.22  # attrition before infusion
    assert all(ORDER.index(State(e.stopped_from)) < ORDER.index(State.INFUSED) for e in stopped)
    reasons = Counter(e.stop_reason for e in episodes if e.state == State.STOPPED)
    assert reasons.most_common(1)[0][0] == StopReason.PROGRESSION
    assert all(e.stop_note for e in episodes if e.stop_reason == StopReason.OTHER)


def test_milestones_and_history_are_consistent(seeded):
    milestones, changes = {}, {}
    for m in Milestone.objects.all():
        milestones.setdefault(m.episode_id, []).append(m)
    for c in StateChange.objects.all():
        changes.setdefault(c.episode_id, []).append(c)
    for episode in Episode.objects.select_related("decision__referral", "decision__meeting", "template"):
        planned = milestones.get(episode.pk, [])
        if planned:
            assert [m.sequence for m in planned] == list(range(len(planned)))
            assert_milestones_consistent(episode, planned, today())
            ld = [m for m in planned if m.kind == Kind.LYMPHODEPLETION]
            assert len(ld) == len(episode.template.ld_days)
            aph = next(m for m in planned if m.kind == Kind.APHERESIS)
            assert 10 <= ((aph.actual or aph.planned) - episode.decision.meeting.held_on).days <= 45
        else:
            assert episode.state in (State.APPROVED, State.STOPPED)
        history = changes[episode.pk]
        assert_history_consistent(episode, history)
        assert history[0].on == episode.decision.referral.received_on
        assert history[1].on == episode.decision.meeting.held_on
        assert all(a.on <= b.on for a, b in zip(history, history[1:]))
        if episode.state == State.STOPPED:
            assert history[-1].on == episode.stopped_on and history[-2].to_state == episode.stopped_from


def test_a_second_run_adds_as_many_again_and_reuses_the_meetings(seeded):
    meetings = MdtMeeting.objects.count()

    seed_synthetic(seed=2)

    assert Referral.objects.count() == 1000
    assert MdtMeeting.objects.count() == meetings
    assert Episode.objects.count() == MdtDecision.objects.filter(outcome="approved").count()
    assert JournalEntry.objects.filter(action=Action.DATA_SEEDED, actor_label="seed_synthetic command").count() == 2
    call_command("verify_journal", stdout=io.StringIO())


def test_synthetic_data_go_to_every_treating_center(org, outsider):
    seed_synthetic(patients=100)

    for referral in Referral.objects.select_related("patient"):
        assert referral.to_center_id == referral.patient.treating_center_id
        if referral.patient.referring_center_id:
            assert referral.from_center_id == referral.patient.referring_center_id
            assert referral.from_physician_id == referral.patient.referring_physician_id
        else:
            assert referral.from_center_id == referral.to_center_id
            assert referral.from_physician_id or referral.from_physician_name
        referral.full_clean()


# The pure generator, without a database ------------------------------------------------------------

PROTOCOLS = {(p.product, p.indication): p for p in protocols.DEFAULTS}


@given(seed=st.integers(min_value=0, max_value=2**64), on=st.dates(dt.date(2021, 1, 1), dt.date(2040, 12, 31)),
       age=st.integers(3, 80), sex=st.sampled_from("FM"))
def test_a_generated_case_is_consistent(seed, on, age, sex):
    rng = random.Random(seed)
    meetings = synthetic.meeting_days(on)
    case = synthetic.case(rng, today=on, birth_date=on - dt.timedelta(days=round(age * 365.25) + 100), sex=sex,
                          meetings=meetings, protocols=PROTOCOLS, weight_kg=Decimal("70.0"), height_cm=Decimal("170.0"))

    assert case.referral["received_on"] <= on
    if case.outcome is None:
        assert case.episode is None and case.meeting is None
        return
    held_on = meetings[case.meeting]
    assert case.referral["received_on"] < held_on < on
    if case.outcome != "approved":
        assert case.episode is None and case.decision["reason"]
        return
    if case.decision["product"] == "kymriah" and case.decision["indication"] == "b_all":
        assert age <= 25
    episode = case.episode
    states = [after for _before, after, _on in episode.changes]
    assert states[-1] == episode.state
    assert [on_ for *_s, on_ in episode.changes] == sorted(on_ for *_s, on_ in episode.changes)
    assert all(on_ <= on for *_s, on_ in episode.changes)
    for step in episode.steps:
        assert (step.status == "done") == (step.actual is not None)
        assert step.actual is None or step.actual <= on
    if episode.steps:
        d0 = next(s for s in episode.steps if s.code == "D0")
        assert all((s.actual or s.planned) < (d0.actual or d0.planned) for s in episode.steps
                   if s.kind in (Kind.LYMPHODEPLETION, Kind.APHERESIS))
        assert is_working_day(next(s.actual or s.planned for s in episode.steps if s.kind == Kind.APHERESIS))


def test_meeting_days_are_weekly_working_days_before_today():
    on = dt.date(2026, 5, 14)  # Ascension Thursday: the RCP of that week is held on Wednesday
    days = synthetic.meeting_days(on)

    assert days == sorted(days) and days[-1] < on and on - days[0] <= dt.timedelta(days=3 * 366)
    assert all(is_working_day(day) for day in days)
    assert synthetic.meeting_days(dt.date(2026, 5, 15))[-1] == dt.date(2026, 5, 13)


def test_a_plan_from_the_cache_is_the_schedule_plan():
    from cellrelay.pathway import schedule

    for protocol in protocols.DEFAULTS:
        expected = schedule.plan(protocol, apheresis_date=dt.date(2025, 3, 3), weight_kg=Decimal("64.5"),
                                 height_cm=Decimal("158.0"))
        got = synthetic.plan(protocol, dt.date(2025, 3, 3), Decimal("64.5"), Decimal("158.0"))
        assert [(p.code, p.date) for p in expected] == [(p.code, p.date) for p, _drugs in got]
        assert [[{"drug": d.drug, "dose_mg_m2": d.dose_mg_m2, "dose_mg": d.dose_mg} for d in p.drugs]
                for p in expected] == [drugs for _p, drugs in got]


def test_attrition_reasons_follow_their_weights():
    rng = random.Random(0)
    stops = [synthetic.draw_stop(rng) for _ in range(20_000)]
    stopped = [stop for stop in stops if stop]
    assert 0.10 < len(stopped) / len(stops) < 0.14
    reasons = Counter(reason for reason, _state, _note in stopped)
    assert [reason for reason, _n in reasons.most_common()] == [
        StopReason.PROGRESSION, StopReason.DEATH, StopReason.MANUFACTURING_FAILURE, StopReason.PATIENT_CHOICE,
        StopReason.OTHER]
    assert all(note for reason, _state, note in stopped if reason == StopReason.OTHER)
    assert all(state in (State.MANUFACTURING, State.PRODUCT_RECEIVED)
               for reason, state, _note in stopped if reason == StopReason.MANUFACTURING_FAILURE)
