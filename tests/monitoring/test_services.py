"""The monitoring room's services: proposed grades stored, alerts and their e-mail, confirmations, treatments
with their limits and the reserve, ICU stays, adverse events; every record journaled."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from cellrelay.journal.models import JournalEntry
from cellrelay.monitoring import services
from cellrelay.monitoring.models import Alert, GradeRecord, Intervention, VitalSigns
from cellrelay.pathway import services as pathway_services
from cellrelay.pathway.states import ORDER, State
from cellrelay.pharmacy.services import drugs as pharmacy
from cellrelay.pharmacy.models import DrugReserve

pytestmark = pytest.mark.django_db

ICE_FULL = {item: True for item in ("orientation_year", "orientation_month", "orientation_city",
                                    "orientation_hospital", "naming_1", "naming_2", "naming_3", "follows_commands",
                                    "writes_sentence", "counts_backwards")}


# Helpers shared with the page and browser tests ---------------------------------------------------------

def plan_from_past_apheresis(episode, users, days_ago=40):
    """An episode under way: the plan began in the past (as when recording an ongoing treatment)."""
    from cellrelay.pathway.schedule import previous_working_day

    apheresis = previous_working_day(timezone.localdate() - dt.timedelta(days=days_ago))
    return pathway_services.plan_schedule(actor=users["coordinator"], episode=episode, expected_version=None,
                                          apheresis_date=apheresis, allow_past=True)


def walk_to(episode, users, target: State):
    """Move the episode step by step to ``target``, each step on its planned date (or today)."""
    today = timezone.localdate()
    actor = users["coordinator"]
    while episode.state != target:
        nxt = ORDER[ORDER.index(State(episode.state)) + 1]
        if nxt == State.INFUSED:
            services.update_checklist(actor=users["neurologist"], episode=episode, consultation_on=today,
                                      mri_on=today, eeg_on=today)
            for ld in episode.milestones.filter(kind="lymphodepletion", status="planned"):
                pathway_services.record_step(actor=actor, milestone=ld, on=min(ld.planned, today),
                                             expected_version=None)
        step = {State.COLLECTED: "APH", State.PRODUCT_RECEIVED: "RCPT", State.ADMITTED: "ADM",
                State.LYMPHODEPLETION: "LD1", State.INFUSED: "D0", State.DISCHARGED: "DIS"}.get(nxt)
        on = min(episode.milestones.get(code=step).planned, today) if step else today
        episode = pathway_services.advance(actor=actor, episode=episode, target=nxt, on=on, expected_version=None)
    return episode


def infused(episode, users, days_ago=40):
    """An infused episode (D0 in the past)."""
    return walk_to(plan_from_past_apheresis(episode, users, days_ago), users, State.INFUSED)


def ago(**delta) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def vitals(episode, users, *, taken_at=None, temperature_c=Decimal("39.2"), **findings):
    return services.record_vital_signs(actor=users["wardnurse"], episode=episode,
                                       taken_at=taken_at or ago(minutes=5), temperature_c=temperature_c, **findings)


def neuro(episode, users, *, assessed_at=None, ice=10, **findings):
    items = {item: n < ice for n, item in enumerate(ICE_FULL)}
    return services.record_neuro_assessment(actor=users["neurologist"], episode=episode,
                                            assessed_at=assessed_at or ago(minutes=5), ice_items=items,
                                            consciousness=findings.pop("consciousness", "normal"), **findings)


@pytest.fixture
def infused_episode(episode, users):
    """Grades and alerts exist from the infusion on (ASTCT 2019): an episode infused some days ago."""
    return infused(episode, users)


def journaled(action, obj) -> bool:
    return JournalEntry.objects.filter(action=action, object_id=str(obj.pk)).exists()


# Proposed grades -----------------------------------------------------------------------------------------

def test_vital_signs_store_the_proposed_crs_grade_and_its_reasons(infused_episode, users):
    record = vitals(infused_episode, users, hypotension="one_vasopressor", oxygen="low_flow",
                    oxygen_flow_l_min=Decimal("3"))
    assert record.crs_proposed == 3
    assert record.crs_reasons == ["fever", "hypotension_one_vasopressor", "oxygen_low_flow"]
    assert journaled(JournalEntry.Action.VITALS_RECORDED, record)


def test_without_fever_after_tocilizumab_the_grade_rests_on_hypotension(infused_episode, users):
    services.give_treatment(actor=users["haematologist"], episode=infused_episode, kind="tocilizumab", dose_mg=600,
                            given_at=ago(hours=3))
    record = vitals(infused_episode, users, temperature_c=Decimal("37.0"), hypotension="no_vasopressor")
    assert record.crs_proposed == 2
    assert record.crs_reasons[0] == "fever_not_required_after_treatment"


def test_a_neurological_assessment_stores_the_ice_score_and_the_proposed_icans_grade(infused_episode, users):
    record = neuro(infused_episode, users, ice=5, seizure="rapidly_resolving", tremor=True)
    assert (record.ice_score, record.capd_score, record.icans_proposed) == (5, None, 3)
    assert "seizure_rapidly_resolving" in record.icans_reasons
    assert journaled(JournalEntry.Action.NEURO_RECORDED, record)


def test_a_child_below_the_capd_age_is_assessed_with_the_capd(org, users, settings):
    from tests.conftest import open_episode, register

    child = register(org, family="Petit", given="Jules", birth=timezone.localdate() - dt.timedelta(days=8 * 365),
                     serial=7, weight_kg=25, height_cm=125)
    episode = infused(open_episode(org, child, product="kymriah", indication="b_all"), users)
    capd = dict.fromkeys(("eye_contact", "purposeful_actions", "aware_of_surroundings", "communicates_needs"), 4)
    capd.update(dict.fromkeys(("restless", "inconsolable", "underactive", "slow_to_respond"), 0))
    record = services.record_neuro_assessment(actor=users["neurologist"], episode=episode, assessed_at=ago(minutes=1),
                                              capd_items=capd, consciousness="awakens_to_voice")
    assert (record.ice_score, record.capd_score, record.icans_proposed) == (None, 0, 2)
    with pytest.raises(ValidationError):
        services.record_neuro_assessment(actor=users["neurologist"], episode=episode, assessed_at=ago(minutes=1),
                                         ice_items=ICE_FULL, consciousness="normal")


def test_labs_need_at_least_one_result_and_are_journaled(episode, users):
    with pytest.raises(ValidationError):
        services.record_labs(actor=users["wardnurse"], episode=episode, sampled_at=ago(hours=1))
    labs = services.record_labs(actor=users["wardnurse"], episode=episode, sampled_at=ago(hours=1),
                                crp_mg_l=Decimal("45"))
    assert journaled(JournalEntry.Action.LABS_RECORDED, labs)


def test_a_time_in_the_future_is_refused(episode, users):
    with pytest.raises(ValidationError) as refused:
        vitals(episode, users, taken_at=timezone.now() + dt.timedelta(hours=1))
    assert "taken_at" in refused.value.error_dict


# Alerts ----------------------------------------------------------------------------------------------------

def test_grade_1_raises_no_alert(infused_episode, users):
    vitals(infused_episode, users)
    assert not Alert.objects.exists()


def test_grade_2_raises_one_alert_per_scale_until_acknowledged(infused_episode, users):
    vitals(infused_episode, users, hypotension="no_vasopressor")
    vitals(infused_episode, users, oxygen="low_flow")
    assert Alert.objects.filter(scale="crs").count() == 1
    neuro(infused_episode, users, ice=5)
    assert list(Alert.objects.order_by("scale").values_list("scale", "grade")) == [("crs", 2), ("icans", 2)]
    alert = Alert.objects.get(scale="crs")
    assert journaled(JournalEntry.Action.ALERT_RAISED, alert)

    services.acknowledge_alert(actor=users["icu"], alert=alert, team="icu")
    services.acknowledge_alert(actor=users["neurologist"], alert=alert, team="neurology")
    vitals(infused_episode, users, hypotension="no_vasopressor")
    assert Alert.objects.filter(scale="crs").count() == 2
    assert Alert.objects.filter(scale="crs", acknowledgements__isnull=True).count() == 1


def test_a_higher_grade_raises_a_new_alert_beside_the_open_one(infused_episode, users):
    vitals(infused_episode, users, hypotension="no_vasopressor")
    vitals(infused_episode, users, hypotension="one_vasopressor")
    assert sorted(Alert.objects.values_list("grade", flat=True)) == [2, 3]


def test_acknowledging_twice_for_a_team_changes_nothing(infused_episode, users):
    vitals(infused_episode, users, hypotension="no_vasopressor")
    alert = Alert.objects.get()
    first = services.acknowledge_alert(actor=users["icu"], alert=alert, team="icu")
    second = services.acknowledge_alert(actor=users["haematologist"], alert=alert, team="icu")
    assert second == first and second.acknowledged_by == users["icu"]
    assert JournalEntry.objects.filter(action=JournalEntry.Action.ALERT_ACKNOWLEDGED).count() == 1
    with pytest.raises(ValidationError):
        services.acknowledge_alert(actor=users["icu"], alert=alert, team="cardiology")


def test_each_team_acknowledges_the_alert_for_itself(infused_episode, users):
    from cellrelay.monitoring.alerts import open_for

    vitals(infused_episode, users, hypotension="one_vasopressor")
    alert = Alert.objects.get()
    patients = infused_episode.patient.__class__.objects.all()
    acknowledgement = services.acknowledge_alert(actor=users["icu"], alert=alert, team="icu")
    assert (acknowledgement.team, acknowledgement.acknowledged_by) == ("icu", users["icu"])
    assert acknowledgement.acknowledged_at is not None
    entry = JournalEntry.objects.get(action=JournalEntry.Action.ALERT_ACKNOWLEDGED, object_id=str(alert.pk))
    assert entry.actor == users["icu"] and entry.after["team"] == "icu"
    assert open_for("icu", patients) == [] and open_for("neurology", patients) == [alert]

    services.acknowledge_alert(actor=users["neurologist"], alert=alert, team="neurology")
    assert open_for("neurology", patients) == []
    assert list(alert.acknowledgements.values_list("team", "acknowledged_by__username")) == [
        ("icu", "icu"), ("neurology", "neurologist")]


def test_a_grade_after_one_team_acknowledged_is_a_new_alert_for_both(infused_episode, users):
    from cellrelay.monitoring.alerts import open_for

    vitals(infused_episode, users, hypotension="one_vasopressor")  # 3
    services.acknowledge_alert(actor=users["icu"], alert=Alert.objects.get(), team="icu")
    later = vitals(infused_episode, users, hypotension="no_vasopressor")  # 2: would have joined the grade 3 alert
    newest = Alert.objects.order_by("-pk").first()
    assert Alert.objects.count() == 2 and newest.grade == later.crs_proposed == 2
    assert open_for("icu", infused_episode.patient.__class__.objects.all()) == [newest]


def test_an_unconfirmed_grade_stays_flagged_whatever_was_acknowledged(infused_episode, users):
    from django.db.models import Q

    from cellrelay.monitoring.alerts import grades_to_confirm

    first = vitals(infused_episode, users, hypotension="no_vasopressor", taken_at=ago(hours=2))  # 2
    later = vitals(infused_episode, users, hypotension="one_vasopressor")  # 3, unconfirmed
    for alert in Alert.objects.all():
        services.acknowledge_alert(actor=users["icu"], alert=alert, team="icu")
        services.acknowledge_alert(actor=users["neurologist"], alert=alert, team="neurology")
    services.confirm_grade(actor=users["haematologist"], source=first, confirmed=2)
    assert [(row.pk, row.grade) for row in grades_to_confirm(Q(episode=infused_episode))] == [(later.pk, 3)]
    services.confirm_grade(actor=users["haematologist"], source=later, confirmed=3)
    assert grades_to_confirm(Q(episode=infused_episode)) == []


@pytest.fixture
def alert_mail(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_HOST = "smtp.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELLRELAY_ALERT_EMAILS = {"icu": ["rea@x"], "neurology": ["neuro@x"]}


def test_an_alert_e_mails_the_icu_and_neurology_teams_after_commit(infused_episode, users, alert_mail,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        vitals(infused_episode, users, hypotension="one_vasopressor")
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["neuro@x", "rea@x"]
    assert "CRS grade 3" in message.subject
    assert str(infused_episode.patient.family_name) not in message.subject + message.body  # no patient named


def test_no_e_mail_below_grade_2_nor_without_a_mail_server(infused_episode, users, alert_mail, settings,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        vitals(infused_episode, users)  # grade 1
    assert mail.outbox == []
    settings.EMAIL_HOST = ""
    with django_capture_on_commit_callbacks(execute=True):
        vitals(infused_episode, users, hypotension="no_vasopressor")
    assert Alert.objects.count() == 1
    assert mail.outbox == []


# Confirmation -------------------------------------------------------------------------------------------------

def test_confirming_the_proposed_grade_needs_no_reason(infused_episode, users):
    record = vitals(infused_episode, users, hypotension="no_vasopressor")
    grade = services.confirm_grade(actor=users["haematologist"], source=record, confirmed=2)
    assert (grade.scale, grade.proposed, grade.confirmed, grade.confirmed_by) == ("crs", 2, 2, users["haematologist"])
    assert journaled(JournalEntry.Action.GRADE_CONFIRMED, grade)
    with pytest.raises(ValidationError, match="already been confirmed"):
        services.confirm_grade(actor=users["icu"], source=record, confirmed=2)


def test_a_different_grade_needs_a_reason(infused_episode, users):
    record = neuro(infused_episode, users, ice=8)
    with pytest.raises(ValidationError) as refused:
        services.confirm_grade(actor=users["neurologist"], source=record, confirmed=2, override_reason="  ")
    assert "override_reason" in refused.value.error_dict
    assert not GradeRecord.objects.exists()
    grade = services.confirm_grade(actor=users["neurologist"], source=record, confirmed=2,
                                   override_reason="Dysgraphia worse than the ICE shows")
    assert (grade.scale, grade.proposed, grade.confirmed) == ("icans", 1, 2)
    assert Alert.objects.filter(scale="icans", grade=2).exists()  # the confirmed grade alerts too


def test_confirming_an_acknowledged_grade_raises_no_new_alert(infused_episode, users):
    record = vitals(infused_episode, users, hypotension="no_vasopressor")  # 2
    alert = Alert.objects.get()
    services.acknowledge_alert(actor=users["icu"], alert=alert, team="icu")
    services.acknowledge_alert(actor=users["neurologist"], alert=alert, team="neurology")
    services.confirm_grade(actor=users["haematologist"], source=record, confirmed=2)
    assert Alert.objects.count() == 1


# Treatments ---------------------------------------------------------------------------------------------------

def test_a_tocilizumab_dose_above_8_mg_per_kg_is_refused(episode, users):
    # 78 kg: at most 624 mg
    with pytest.raises(ValidationError) as refused:
        services.give_treatment(actor=users["haematologist"], episode=episode, kind="tocilizumab", dose_mg=625,
                                given_at=ago(minutes=1))
    assert "dose_mg" in refused.value.error_dict
    assert not Intervention.objects.exists()
    services.give_treatment(actor=users["haematologist"], episode=episode, kind="tocilizumab", dose_mg=624,
                            given_at=ago(minutes=1))


def test_the_fourth_dose_in_24_hours_is_warned_and_each_dose_uses_the_reserve(episode, users):
    reserve = pharmacy.reserve_drug(actor=users["pharmacist"], episode=episode, doses=4)
    given, now = [], timezone.now()
    for hours in (23.5, 15.5, 7.5, 0.1):  # every 8 h, then a 4th dose 7.4 h after the 3rd
        given.append(services.give_treatment(actor=users["wardnurse"], episode=episode, kind="tocilizumab",
                                             dose_mg=600, given_at=now - dt.timedelta(hours=hours)))
    assert given[0].warnings == []
    assert given[2].warnings == ["third_dose_in_24h"]
    assert set(given[3].warnings) == {"max_3_in_24h", "fourth_dose_total", "interval_under_8h"}
    reserve.refresh_from_db()
    assert (reserve.used_doses, reserve.remaining) == (4, 0)
    assert all(journaled(JournalEntry.Action.INTERVENTION_GIVEN, i) for i in given)


def test_tocilizumab_without_a_reserve_is_recorded_with_a_warning(episode, users):
    dose = services.give_treatment(actor=users["wardnurse"], episode=episode, kind="tocilizumab", dose_mg=600,
                                   given_at=ago(hours=1))
    assert dose.warnings == ["no_reserved_dose"]
    assert not DrugReserve.objects.exists()


def test_a_corticosteroid_uses_no_tocilizumab_reserve(episode, users):
    reserve = pharmacy.reserve_drug(actor=users["pharmacist"], episode=episode)
    dose = services.give_treatment(actor=users["haematologist"], episode=episode, kind="corticosteroid",
                                   drug="dexamethasone", dose_mg=10, given_at=ago(hours=1))
    reserve.refresh_from_db()
    assert (dose.warnings, reserve.used_doses) == ([], 0)
    assert reserve.reserved_doses == episode.template.tocilizumab_doses


def test_tocilizumab_for_an_adult_on_kymriah_is_8_mg_per_kg(org, users, patient):
    from tests.conftest import open_episode

    episode = open_episode(org, patient, product="kymriah", indication="lbcl")
    with pytest.raises(ValidationError):
        services.give_treatment(actor=users["haematologist"], episode=episode, kind="tocilizumab", dose_mg=625,
                                given_at=ago(hours=2))
    dose = services.give_treatment(actor=users["haematologist"], episode=episode, kind="tocilizumab", dose_mg=600,
                                   given_at=ago(hours=1))
    assert dose.pk


# ICU and adverse events -----------------------------------------------------------------------------------------

def test_icu_transfer_and_return(episode, users):
    stay = services.transfer_to_icu(actor=users["icu"], episode=episode, admitted_at=ago(hours=30), reason="CRS 3")
    assert journaled(JournalEntry.Action.ICU_TRANSFER, stay)
    with pytest.raises(ValidationError, match="already in intensive care"):
        services.transfer_to_icu(actor=users["icu"], episode=episode, admitted_at=ago(hours=2), reason="again")
    with pytest.raises(ValidationError) as refused:
        services.return_from_icu(actor=users["icu"], stay=stay, discharged_at=ago(hours=31))
    assert "discharged_at" in refused.value.error_dict
    stay = services.return_from_icu(actor=users["icu"], stay=stay, discharged_at=ago(hours=2), note="Stable")
    assert stay.discharged_at and stay.discharge_note == "Stable"
    assert JournalEntry.objects.filter(action=JournalEntry.Action.ICU_TRANSFER, object_id=str(stay.pk)).count() == 2
    with pytest.raises(ValidationError, match="already ended"):
        services.return_from_icu(actor=users["icu"], stay=stay, discharged_at=ago(hours=1))


def test_an_adverse_event_cannot_resolve_before_its_onset(episode, users):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        services.record_adverse_event(actor=users["research"], episode=episode, term="Febrile neutropenia",
                                      ctcae_grade=3, onset=today, resolution=today - dt.timedelta(days=1),
                                      relation="probable")
    assert "resolution" in refused.value.error_dict
    event = services.record_adverse_event(actor=users["research"], episode=episode, term="Febrile neutropenia",
                                          ctcae_grade=3, onset=today - dt.timedelta(days=2), resolution=today,
                                          relation="probable", serious=True)
    assert journaled(JournalEntry.Action.ADVERSE_EVENT, event)


# The neurology checklist ---------------------------------------------------------------------------------------

def test_the_checklist_blocks_until_complete_or_waived(episode, users):
    today = timezone.localdate()
    assert services.infusion_blockers(episode) == ["consultation_on", "mri_on", "eeg_on"]
    checklist = services.update_checklist(actor=users["coordinator"], episode=episode, consultation_on=today)
    assert services.infusion_blockers(episode) == ["mri_on", "eeg_on"]
    with pytest.raises(ValidationError):
        services.waive_checklist(actor=users["haematologist"], episode=episode, reason=" ")
    services.waive_checklist(actor=users["haematologist"], episode=episode, reason="MRI unavailable, EEG normal")
    assert services.infusion_blockers(episode) == []
    assert JournalEntry.objects.filter(action=JournalEntry.Action.CHECKLIST_UPDATED,
                                       object_id=str(checklist.pk)).count() == 2


def test_every_record_of_an_infused_episode_is_journaled(episode, users):
    episode = infused(episode, users)
    before = JournalEntry.objects.count()
    vitals(episode, users, hypotension="no_vasopressor")  # + alert
    neuro(episode, users)
    services.record_labs(actor=users["wardnurse"], episode=episode, sampled_at=ago(hours=1), crp_mg_l=Decimal("10"))
    assert JournalEntry.objects.count() == before + 4


# Values that contradict each other ----------------------------------------------------------------------------

def test_contradicting_vital_signs_are_saved_only_once_confirmed(infused_episode, users):
    with pytest.raises(ValidationError) as refused:
        vitals(infused_episode, users, systolic=60, diastolic=30, hypotension="none")
    assert "Systolic pressure 60 mmHg (below 90) but hypotension recorded as none." in \
        refused.value.error_dict["values_confirmed"][1].messages
    assert not VitalSigns.objects.exists()
    record = vitals(infused_episode, users, systolic=60, diastolic=30, hypotension="none", values_confirmed=True)
    entry = JournalEntry.objects.get(action=JournalEntry.Action.VITALS_RECORDED, object_id=str(record.pk))
    assert entry.after["values_confirmed_despite"] == ["low_systolic_no_hypotension"]
    assert entry.after["systolic"] == 60


def test_a_diastolic_above_the_systolic_is_refused_even_confirmed(infused_episode, users):
    with pytest.raises(ValidationError) as refused:
        vitals(infused_episode, users, systolic=80, diastolic=95, values_confirmed=True)
    assert "diastolic" in refused.value.error_dict
    assert not VitalSigns.objects.exists()


# Before the infusion ------------------------------------------------------------------------------------------

def test_a_fever_before_the_infusion_is_not_graded_as_crs_and_raises_no_alert(episode, users):
    record = vitals(episode, users, temperature_c=Decimal("38.6"), hypotension="one_vasopressor")
    assert record.crs_proposed is None
    assert record.crs_reasons == ["fever_before_infusion", "hypotension_one_vasopressor"]
    assert journaled(JournalEntry.Action.VITALS_RECORDED, record)
    assert not Alert.objects.exists()
    with pytest.raises(ValidationError, match="before the infusion"):
        services.confirm_grade(actor=users["haematologist"], source=record, confirmed=1, override_reason="fever")
    assert not GradeRecord.objects.exists()


def test_neurological_signs_before_the_infusion_are_not_icans(episode, users):
    record = neuro(episode, users, ice=5, seizure="rapidly_resolving")
    assert record.icans_proposed is None and record.ice_score == 5
    assert record.icans_reasons == ["neuro_signs_before_infusion", "ice_3_6", "seizure_rapidly_resolving"]
    assert not Alert.objects.exists()


def test_the_infusion_day_decides_what_is_graded(infused_episode, users):
    d0 = services.infusion_day(infused_episode)
    noon = lambda day: timezone.make_aware(dt.datetime.combine(day, dt.time(12)))  # noqa: E731
    the_day_before = vitals(infused_episode, users, taken_at=noon(d0 - dt.timedelta(days=1)),
                            hypotension="no_vasopressor")
    on_d0 = vitals(infused_episode, users, taken_at=noon(d0), hypotension="no_vasopressor")
    assert (the_day_before.crs_proposed, on_d0.crs_proposed) == (None, 2)
    assert list(Alert.objects.values_list("grade", flat=True)) == [2]
