"""The data generators' pathway: seed_demo through the services, seed_synthetic in bulk, and the
pure generator's invariants (cellrelay/demo/synthetic/pathway.py)."""

from collections import Counter
import datetime as dt
from decimal import Decimal
import io
import random

from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from hypothesis import given, strategies as st
import pytest

from cellrelay.demo import bulk
from cellrelay.demo.synthetic import followup
from cellrelay.demo.synthetic import pathway as synthetic
from cellrelay.followup import response
from cellrelay.journal.models import JournalEntry
from cellrelay.pathway import protocols
from cellrelay.pathway.models import Episode, Milestone, StateChange
from cellrelay.pathway.schedule import Kind, is_working_day, timepoint
from cellrelay.pathway.states import ORDER, State, StopReason
from cellrelay.patients.models import Patient
from cellrelay.referrals.models import MdtDecision, MdtMeeting, Referral
from cellrelay.registry import stored as registry_stored
from cellrelay.registry.models import CompletenessRow, CompletenessTally

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


def schema_of_seeded_tables() -> dict:
    with connection.cursor() as cursor:
        return {model._meta.db_table: connection.introspection.get_constraints(cursor, model._meta.db_table)
                for model in bulk.SEEDED_MODELS}


def test_a_large_run_sets_the_indexes_aside_and_makes_the_same_data_with_the_same_schema(org):
    """A run large enough rebuilds the indexes and foreign keys at the end (bulk.indexes_set_aside): what a user
    sees, the rows and the schema, is what a run of the same seed without it makes."""
    schema = schema_of_seeded_tables()
    with transaction.atomic():
        usual = bulk.seed_synthetic(300, seed=3, batch_size=120, set_aside_indexes=False)
        transaction.set_rollback(True)

    set_aside = bulk.seed_synthetic(300, seed=3, batch_size=120, set_aside_indexes=True)

    assert set_aside == usual
    assert schema_of_seeded_tables() == schema
    assert Patient.objects.count() == Referral.objects.count() == 300
    call_command("verify_journal", stdout=io.StringIO())


def content_of_seeded_tables() -> dict:
    """Every seeded row in key order, its values without the keys (a rolled-back run's keys are not given again on
    PostgreSQL: its sequences move on) nor the moments of the insert (a field's default such as timezone.now)."""
    content = {}
    for model in bulk.SEEDED_MODELS:
        names = [f.attname for f in model._meta.concrete_fields
                 if not (f.primary_key or f.is_relation or (f.has_default() and callable(f.default))
                         or getattr(f, "auto_now_add", False)
                         or getattr(f, "auto_now", False))]
        rows = model.objects.order_by("pk")
        content[model._meta.db_table] = list(rows.values_list(*names)) if names else rows.count()
    return content


@pytest.mark.parametrize("set_aside_indexes", [False, True])
def test_the_rows_are_the_same_whether_made_in_a_process_of_their_own_or_between_the_writes(org, monkeypatch,
                                                                                              set_aside_indexes):
    """seed_synthetic(processes=1) makes the rows in a forked process while this one writes them: a seed gives the same
    rows either way (one sequence of draws), the keys reserved for the run included."""
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)
    with transaction.atomic():
        here = bulk.seed_synthetic(250, seed=4, batch_size=100, set_aside_indexes=set_aside_indexes, processes=0)
        rows_here = content_of_seeded_tables()
        transaction.set_rollback(True)

    elsewhere = bulk.seed_synthetic(250, seed=4, batch_size=100, set_aside_indexes=set_aside_indexes, processes=1)

    assert elsewhere == here
    assert content_of_seeded_tables() == rows_here
    assert Patient.objects.count() == Referral.objects.count() == 250
    patient = Patient.objects.order_by("pk").last()
    assert patient.local_ids.get().ipp.startswith(bulk.IPP_PREFIX)
    call_command("verify_journal", stdout=io.StringIO())


def stored_completeness() -> tuple[list, dict]:
    """The registry's stored rows (without their ids and the moment they were computed) and its counts."""
    columns = [column for column in registry_stored.COLUMNS if column != "computed_at"]
    rows = sorted(CompletenessRow.objects.values_list(*columns))
    counts = {(t.center_id, t.form_key, t.due_month, t.status): t.count for t in CompletenessTally.objects.all()}
    return rows, {key: n for key, n in counts.items() if n}


@pytest.mark.parametrize("processes", [0, 1])
def test_the_registry_rows_written_with_the_episodes_are_those_computed_from_the_database(org, processes):
    """The registry's stored completeness of the synthetic episodes is computed from what the generator made
    (demo.completeness), not read back: the rows and counts are those `refresh_all` computes from the database."""
    bulk.seed_synthetic(400, seed=6, batch_size=150, processes=processes)
    written = stored_completeness()

    registry_stored.refresh_all()

    assert stored_completeness() == written
    statuses = Counter(row[registry_stored.STATUS] for row in written[0])
    assert {"blocked", "not_due", "missing", "overdue", "complete"} <= set(statuses), statuses
    assert registry_stored.bring_up_to_date() == 0  # nothing left for the registry's first page to compute


def test_a_failure_where_the_rows_are_made_stops_the_run_and_leaves_nothing_behind(org, monkeypatch):
    def failing(rng, destination, size):
        raise ValueError("no more INS to draw")

    monkeypatch.setattr(bulk, "insert_batch", failing)

    with pytest.raises(RuntimeError, match="no more INS to draw"):
        bulk.seed_synthetic(50, seed=1, batch_size=50, processes=1)

    assert not Patient.objects.exists() and not MdtMeeting.objects.exists()
    assert not JournalEntry.objects.filter(action=Action.DATA_SEEDED).exists()


def test_a_failure_where_the_registry_rows_are_computed_stops_the_run_and_leaves_nothing_behind(org, monkeypatch):
    def failing(episodes, **kwargs):
        raise ValueError("a form without timepoints")

    monkeypatch.setattr(registry_stored, "stored_values", failing)

    with pytest.raises(RuntimeError, match="a form without timepoints"):
        bulk.seed_synthetic(50, seed=1, batch_size=50, processes=1)

    assert not Patient.objects.exists() and not CompletenessRow.objects.exists()
    assert not JournalEntry.objects.filter(action=Action.DATA_SEEDED).exists()


def test_keys_reserved_for_a_run_are_not_given_again(org):
    """The keys a run gives itself are taken from the tables' sequences: a row added afterwards gets the next one."""
    seed_synthetic(patients=120)
    last = Patient.objects.order_by("pk").last()

    added = Patient.objects.create(family_name="Après", given_names="Test", birth_date=dt.date(1970, 1, 1), sex="F",
                                   treating_center=last.treating_center)

    assert added.pk == last.pk + 1


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


def test_infused_episodes_have_their_follow_up_as_of_today(seeded):
    from cellrelay.followup import response, timepoints, worklist
    from cellrelay.followup.models import Call, Death, FollowUpPlan, Response, Visit

    d0 = dict(Milestone.objects.filter(code="D0", status="done").values_list("episode_id", "actual"))
    plans = {plan.episode_id: plan for plan in FollowUpPlan.objects.select_related("episode__template")}
    assert plans.keys() == d0.keys() and len(plans) > 250
    deaths = {death.episode_id: death.died_on for death in Death.objects.all()}
    visits = {}
    for visit in Visit.objects.select_related("plan__episode__patient"):
        visits.setdefault(visit.plan.episode_id, []).append(visit)
    for episode_id, plan in plans.items():
        assert plan.d0 == d0[episode_id]
        expected = timepoints.plan(plan.d0, plan.episode.template.timepoints())
        assert [(v.code, v.due, v.earliest, v.latest) for v in visits[episode_id]] == [
            (p.code, p.due, p.earliest, p.latest) for p in expected]
        for visit in visits[episode_id]:
            if visit.done_on:
                assert plan.d0 < visit.done_on <= min(today(), deaths.get(episode_id, today()))
            if episode_id in deaths:
                assert visit.status != Visit.Status.PLANNED
    # Most visits due are done, mostly within their window; some late, some missed.
    due = [v for vs in visits.values() for v in vs if v.latest < today() and v.status != Visit.Status.ENDED]
    statuses = Counter(v.status for v in due)
    assert 0.7 < statuses["done"] / len(due) < 0.95 and statuses["missed"] > 0
    late = [v for v in due if v.status == "done" and v.done_on > v.latest]
    assert 0.03 < len(late) / statuses["done"] < 0.25
    referring = Visit.objects.filter(place=Visit.Place.REFERRING).select_related("plan__episode__patient")
    assert referring.exists()
    for visit in referring:
        assert visit.center_id == visit.plan.episode.patient.referring_center_id
        if visit.status not in ("planned", "ended", "lost"):  # the coordinator records that they left
            assert visit.recorded_by_id == visit.plan.episode.patient.referring_physician_id
    # Responses as their criteria grade the raw findings; some relapses; deaths of both kinds.
    for found in Response.objects.all():
        graded = response.evaluate(found.criteria, found.raw)
        assert (graded.category, graded.is_progression) == (found.category, found.is_progression)
    assert Response.objects.filter(is_progression=True).exists()
    assert set(Death.objects.values_list("cause", flat=True)) == {"progression", "non_relapse"}
    assert not Death.objects.filter(cause="non_relapse", toxicity="").exists()
    # Calls made in the first month, planned from today on for the living; nobody dead is called.
    made = Call.objects.filter(status="done").select_related("plan")
    assert made.exists() and all(0 < (c.due - c.plan.d0).days <= 30 and c.due < today() for c in made)
    assert not Call.objects.filter(status="planned", due__lt=today()).exists()
    assert not Call.objects.filter(status="planned", plan__episode__in=deaths).exists()
    assert worklist.at_risk_of_loss(Patient.objects.all(), today()).exists()


def test_long_term_follow_up_starts_at_day_100_or_at_the_death(seeded):
    from cellrelay.followup.models import Death

    d0 = dict(Milestone.objects.filter(code="D0", status="done").values_list("episode_id", "actual"))
    deaths = dict(Death.objects.values_list("episode_id", "died_on"))
    moves = StateChange.objects.filter(to_state=State.LONG_TERM_FOLLOW_UP)
    assert moves.count() > 100
    for move in moves:
        expected = d0[move.episode_id] + dt.timedelta(days=100)
        assert move.on == min(expected, deaths.get(move.episode_id, expected))
    for closed in StateChange.objects.filter(to_state=State.CLOSED):
        if closed.episode_id in deaths:
            assert 0 <= (closed.on - deaths[closed.episode_id]).days <= synthetic.DAYS_TO_CLOSE_AFTER_DEATH


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


@given(seed=st.integers(min_value=0, max_value=2**64), on=st.dates(dt.date(2024, 1, 1), dt.date(2040, 12, 31)),
       days=st.integers(0, 3000), criteria=st.sampled_from(sorted(followup.PROGRESSION)), referred=st.booleans())
def test_a_follow_up_history_is_consistent(seed, on, days, criteria, referred):
    rng = random.Random(seed)
    d0 = on - dt.timedelta(days=days)
    fate = followup.draw_fate(rng, d0, criteria, earliest_death=d0 + dt.timedelta(days=60), today=on)
    if days > 100 and rng.random() < 0.1:  # as the pathway closes an episode: in long-term follow-up
        followup.leave(fate, d0 + dt.timedelta(days=rng.randint(100, days)))
    history = followup.history(rng, fate, criteria=criteria, codes=protocols.FIFTEEN_YEAR_FOLLOW_UP,
                               windows={"to_d28": 2, "to_m6": 14, "yearly": 30}, proximity_days=28, today=on,
                               staff=followup.Staff(1, 2, 3 if referred else None))

    last = followup.known_until(fate, on)
    assert fate.death_on is None or fate.death_on >= d0 + dt.timedelta(days=60)
    assert fate.progression_on is None or fate.death_on is None or fate.progression_on < fate.death_on
    dated = ([v.done_on for v in history.visits if v.done_on] + [r.assessed_on for r in history.responses]
             + [c.sampled_on for c in history.counts] + [e.observed_on for e in history.late_effects]
             + [t.started_on for t in history.treatments] + [c.due for c in history.calls if c.status == "done"])
    assert all(d0 < day <= last for day in dated)
    assert len({c.sampled_on for c in history.counts}) == len(history.counts)  # one count a day
    assert referred or not any(v.referring for v in history.visits)
    assert (history.death is not None) == (fate.death_on is not None and fate.death_on <= on)
    if history.death is not None:
        assert not [v for v in history.visits if v.status == "planned"]
        assert not [c for c in history.calls if c.status == "planned"]
    assert all(c.due >= on for c in history.calls if c.status == "planned")
    for found in history.responses:
        assert response.evaluate(criteria, found.raw).category == found.category


def test_synthetic_patients_are_found_by_name(db):
    """Written in bulk past the services, they carry the search keys the services keep."""
    from cellrelay.patients.models import Patient
    from cellrelay.patients.search import search_patients

    call_command("seed_synthetic", patients=30, seed=7, stdout=io.StringIO())
    someone = Patient.objects.order_by("pk").last()
    assert someone in search_patients(Patient.objects.all(), someone.family_name[:3])
    assert someone in search_patients(Patient.objects.all(), f"{someone.given_names} {someone.family_name}")
