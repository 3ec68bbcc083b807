"""Referrals, RCP meetings and decisions through the service layer: rules, journal, nothing half-saved."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cellrelay.journal.models import JournalEntry
from cellrelay.organisation.models import Center
from cellrelay.pathway.models import Episode
from cellrelay.referrals import services
from cellrelay.referrals.models import MdtDecision

pytestmark = pytest.mark.django_db

APPROVE = {"outcome": "approved", "product": "yescarta", "indication": "lbcl"}


def counts():
    return MdtDecision.objects.count(), Episode.objects.count(), JournalEntry.objects.count()


def last_entry():
    return JournalEntry.objects.order_by("-id").values_list("action", "actor__username").first()


def refer(org, patient, **extra):
    fields = dict(actor=org["users"]["coordinator"], patient=patient, from_center=org["referring"][0],
                  received_on=timezone.localdate(), diagnosis="lbcl", prior_lines=2,
                  prior_transplant="autologous", current_status="refractory", from_physician_name="Dr Anne Roux")
    return services.create_referral(**{**fields, **extra})


def plan_meeting(actor, center, held_on=None):
    return services.create_meeting(actor=actor, center=center, held_on=held_on or timezone.localdate(),
                                   title="RCP CAR-T", attendees=[actor])


@pytest.fixture
def referral(org, patient):
    return refer(org, patient)


@pytest.fixture
def meeting(org, users):
    return plan_meeting(users["haematologist"], org["treating"])


def decide(users, meeting, referral, **fields):
    return services.record_decision(actor=users["haematologist"], meeting=meeting, referral=referral, **fields)


def test_a_referral_goes_to_the_patients_treating_center_and_is_journaled(org, patient, referral):
    assert referral.to_center == org["treating"] and referral.from_center == org["referring"][0]
    assert referral.referring_physician_label == "Dr Anne Roux"
    assert last_entry() == ("referral.created", "coordinator")


def test_a_referral_names_its_physician(org, patient):
    before = counts()
    with pytest.raises(ValidationError) as refused:
        refer(org, patient, from_physician_name=" ")
    assert "from_physician_name" in refused.value.error_dict
    assert counts() == before


def test_a_meeting_keeps_its_attendees_and_is_journaled(users, meeting):
    assert list(meeting.attendees.all()) == [users["haematologist"]]
    assert last_entry() == ("mdt.meeting_created", "haematologist")


def test_adding_to_the_agenda_is_journaled(users, meeting, referral):
    services.add_to_agenda(actor=users["coordinator"], meeting=meeting, referral=referral)
    assert list(meeting.agenda.all()) == [referral]
    assert last_entry() == ("mdt.agenda_changed", "coordinator")


def test_an_approval_opens_the_treatment_episode(users, meeting, referral):
    decision = decide(users, meeting, referral, **APPROVE)
    assert decision.episode.state == "approved"
    assert decision.episode.patient == referral.patient
    assert list(meeting.agenda.all()) == [referral]
    actions = list(JournalEntry.objects.order_by("-id").values_list("action", flat=True)[:2])
    assert actions == ["episode.opened", "mdt.decision_recorded"]


def test_a_deferral_to_a_later_date_leaves_the_referral_open(users, meeting, referral):
    later = meeting.held_on + dt.timedelta(days=30)
    decision = decide(users, meeting, referral, outcome="deferred", deferred_until=later, reason="PET scan first")
    assert decision.deferred_until == later and not services.is_decided(referral)
    assert Episode.objects.count() == 0
    assert last_entry() == ("mdt.decision_recorded", "haematologist")


@pytest.mark.parametrize("fields, field", [
    ({"outcome": "approved"}, "product"),
    ({"outcome": "approved", "indication": "lbcl"}, "product"),
    ({"outcome": "approved", "product": "abecma", "indication": "lbcl"}, "indication"),
    ({"outcome": "approved", "product": "investigational", "indication": "trial"}, "trial"),
    ({**APPROVE, "bridging_planned": True}, "bridging_detail"),
    ({"outcome": "declined"}, "reason"),
    ({"outcome": "declined", "reason": "   "}, "reason"),
])
def test_an_incomplete_decision_is_refused_and_nothing_is_saved(users, meeting, referral, fields, field):
    before = counts()
    with pytest.raises(ValidationError) as refused:
        decide(users, meeting, referral, **fields)
    assert field in refused.value.error_dict
    assert counts() == before


@pytest.mark.parametrize("days_after_meeting", [None, 0, -3])
def test_a_deferral_needs_a_date_after_the_meeting(users, meeting, referral, days_after_meeting):
    until = None if days_after_meeting is None else meeting.held_on + dt.timedelta(days=days_after_meeting)
    before = counts()
    with pytest.raises(ValidationError) as refused:
        decide(users, meeting, referral, outcome="deferred", deferred_until=until)
    assert "deferred_until" in refused.value.error_dict
    assert counts() == before


def test_another_centers_rcp_cannot_decide(org, outsider, referral):
    elsewhere = Center.objects.get(name="CHU d'Ailleurs")
    their_meeting = plan_meeting(outsider, elsewhere)
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.record_decision(actor=outsider, meeting=their_meeting, referral=referral, **APPROVE)
    assert "another center" in " ".join(refused.value.error_dict["referral"][0].messages)
    assert counts() == before


def test_a_decided_referral_cannot_be_decided_again(org, users, meeting, referral):
    decide(users, meeting, referral, **APPROVE)
    next_meeting = plan_meeting(users["haematologist"], org["treating"], meeting.held_on + dt.timedelta(days=7))
    before = counts()
    with pytest.raises(ValidationError) as refused:
        decide(users, next_meeting, referral, outcome="declined", reason="Changed our mind")
    assert "outcome" in refused.value.error_dict
    assert counts() == before


def test_a_second_episode_for_the_same_product_is_refused_while_the_first_is_open(org, users, patient, meeting,
                                                                                   referral):
    decide(users, meeting, referral, **APPROVE)
    second = refer(org, patient, diagnosis="fl")
    before = counts()
    with pytest.raises(ValidationError) as refused:
        decide(users, meeting, second, outcome="approved", product="yescarta", indication="fl")
    assert "already has an open episode" in " ".join(refused.value.messages)
    assert counts() == before
    assert not services.is_decided(second)


@pytest.mark.parametrize("days_ahead", [1, 6])
def test_a_decision_for_a_meeting_not_held_yet_is_refused(org, users, referral, days_ahead):
    planned = plan_meeting(users["haematologist"], org["treating"], timezone.localdate() + dt.timedelta(days=days_ahead))
    services.add_to_agenda(actor=users["coordinator"], meeting=planned, referral=referral)  # planning ahead is fine
    before = counts()
    with pytest.raises(ValidationError) as refused:
        decide(users, planned, referral, **APPROVE)
    assert "its decisions can be recorded from that day on" in " ".join(refused.value.messages)
    assert counts() == before and not services.is_decided(referral)
