"""Administration of a bag: thaw, two-person bedside check (hard stops), infusion and its thaw limit, disposal."""

import datetime as dt

import pytest
from django.utils import timezone

from cellrelay.journal.models import JournalEntry
from cellrelay.monitoring import services as monitoring_services
from cellrelay.pathway.models import Milestone
from cellrelay.pathway.states import State
from cellrelay.pharmacy.services.dispensing import dispense_bag
from cellrelay.pharmacy.services.drugs import reserve_drug
from cellrelay.products import thaw
from cellrelay.products.models import Bag, CustodyEvent, Deviation
from cellrelay.products.services.administration import (bedside_check, end_infusion, return_or_destroy, start_infusion,
                                                        start_thaw)
from tests.conftest import PASSWORD, register
from tests.pharmacy.helpers import SCAN_A, received_bags
from tests.products.test_custody import refused

pytestmark = pytest.mark.django_db

NURSE, SECOND = "wardnurse", "haematologist"


@pytest.fixture
def bags(episode, users):
    """Two bags of an accepted product, the episode in lymphodepletion; bag 1 dispensed two hours ago."""
    bags = received_bags(episode, users, state=State.LYMPHODEPLETION)
    reserve_drug(actor=users["pharmacist"], episode=bags[0].product.episode)
    dispense_bag(actor=users["pharmacist"], actor_password=PASSWORD, bag=bags[0], scanned_bag_code=SCAN_A)
    Bag.objects.filter(pk=bags[0].pk).update(dispensed_at=timezone.now() - dt.timedelta(hours=2))
    return [Bag.objects.get(pk=b.pk) for b in bags]


@pytest.fixture
def bag(bags):
    return bags[0]


def ready_for_infusion(episode, users):
    """The neurology checklist and every LD day recorded: what the pathway asks before “Infused”.

    The helpers reach lymphodepletion today (LD1 recorded today, the plan shifted with it): the LD days are
    set here as given on the three days before today, so that D0 today comes after them.
    """
    today = timezone.localdate()
    monitoring_services.update_checklist(actor=users["neurologist"], episode=episode, consultation_on=today,
                                         mri_on=today, eeg_on=today)
    lds = list(episode.milestones.filter(kind="lymphodepletion").order_by("planned"))
    for n, ld in enumerate(lds):
        Milestone.objects.filter(pk=ld.pk).update(actual=today - dt.timedelta(days=len(lds) - n), status="done")


def check(bag, users, **overrides):
    patient = bag.product.episode.patient
    fields = dict(actor=users[NURSE], actor_password=PASSWORD, second_person=users[SECOND],
                  second_password=PASSWORD, bag=bag, scanned_wristband=patient.local_ids.get().ipp,
                  scanned_bag_code=SCAN_A)
    fields.update(overrides)
    return bedside_check(**fields)


def snapshot(bag):
    """Everything a refused check must leave as it was."""
    bag = Bag.objects.get(pk=bag.pk)
    return ({f.name: getattr(bag, f.attname) for f in Bag._meta.concrete_fields},
            CustodyEvent.objects.count(),
            JournalEntry.objects.exclude(action="products.deviation_recorded").count())


def ago(minutes):
    return timezone.now() - dt.timedelta(minutes=minutes)


# Thaw -------------------------------------------------------------------------------------------------------

def test_a_bag_not_dispensed_is_not_thawed(bags, users):
    message = refused(lambda: start_thaw(actor=users[NURSE], bag=bags[1], at=ago(1)), "bag")
    assert "not dispensed" in message
    bags[1].refresh_from_db()
    assert bags[1].thaw_started_at is None
    assert not CustodyEvent.objects.filter(action="thawed").exists()


def test_the_thaw_is_recorded_once_with_its_deadline(bag, users):
    at = ago(5)
    bag = start_thaw(actor=users[NURSE], bag=bag, at=at)
    assert bag.thaw_started_at == at
    assert CustodyEvent.objects.get(action="thawed").at == at
    entry = JournalEntry.objects.get(action="products.thaw_started")
    assert entry.after["thaw_limit_minutes"] == 30  # Yescarta
    assert "thaw of this bag started" in refused(lambda: start_thaw(actor=users[NURSE], bag=bag, at=ago(1)), "bag")
    assert CustodyEvent.objects.filter(action="thawed").count() == 1


def test_a_thaw_in_the_future_or_before_the_dispensing_is_refused(bag, users):
    assert "future" in refused(lambda: start_thaw(actor=users[NURSE], bag=bag, at=ago(-5)), "at")
    assert "before the dispensing" in refused(lambda: start_thaw(actor=users[NURSE], bag=bag, at=ago(180)), "at")


# Bedside check ---------------------------------------------------------------------------------------------

def test_the_same_person_twice_is_refused(bag, users):
    before = snapshot(bag)
    refused(lambda: check(bag, users, second_person=users[NURSE]), "second_person")
    assert snapshot(bag) == before and not Deviation.objects.exists()


def nurse_elsewhere():
    """A ward nurse of another treating center."""
    from cellrelay.organisation.models import Center, Membership, User

    center = Center.objects.create(name="CHU d'Ailleurs", short_name="CHU Ailleurs", kind=Center.Kind.TREATING)
    user = User.objects.create_user("nurse-elsewhere", password=PASSWORD, first_name="Eve", last_name="Ailleurs")
    Membership.objects.create(user=user, center=center, role="ward_nurse")
    return user


@pytest.mark.parametrize("second", ["admin", "coordinator", "nurse elsewhere"])
def test_only_who_may_give_the_product_at_the_patients_center_verifies_at_the_bedside(bag, users, second):
    """The system administrator, a coordinator, or a nurse of another center: refused, nothing written."""
    second_person = nurse_elsewhere() if second == "nurse elsewhere" else users[second]
    before = snapshot(bag)
    message = refused(lambda: check(bag, users, second_person=second_person), "second_person")
    name = second_person.get_full_name() or second_person.username
    assert message.startswith(f"{name} may not verify this step: the second person is a member of the patient's "
                              "treating center whose role does this step (")
    assert "Haematologist" in message and "Ward nurse" in message and "Administrator" not in message
    assert snapshot(bag) == before and not Deviation.objects.exists()


@pytest.mark.parametrize("field", ["actor_password", "second_password"])
def test_a_wrong_password_is_refused(bag, users, field):
    before = snapshot(bag)
    message = refused(lambda: check(bag, users, **{field: "wrong"}), field)
    assert "password is wrong" in message
    assert snapshot(bag) == before and not Deviation.objects.exists()


def test_another_patients_wristband_is_a_hard_stop(bag, org, users):
    other = register(org, family="Faure", given="Isabelle", sex="F", birth=dt.date(1970, 3, 2), serial=2)
    other_ipp = other.local_ids.get().ipp
    patient = bag.product.episode.patient
    before = snapshot(bag)
    message = refused(lambda: check(bag, users, scanned_wristband=other_ipp), "scanned_wristband")
    own_ipp = patient.local_ids.get().ipp
    assert "HARD STOP" in message and f"wristband {other_ipp}" in message
    assert f"Expected: IPP {own_ipp} / INS {patient.ins_display}" in message
    deviation = Deviation.objects.get()
    assert (deviation.kind, deviation.scanned, deviation.episode) == ("identity_mismatch", other_ipp,
                                                                      bag.product.episode)
    assert own_ipp in deviation.expected and deviation.actor == users[NURSE]
    assert JournalEntry.objects.filter(action="products.deviation_recorded").count() == 1
    assert snapshot(bag) == before  # no check, no custody event, no signature


def test_the_wrong_bag_is_a_hard_stop(bag, users):
    before = snapshot(bag)
    message = refused(lambda: check(bag, users, scanned_bag_code="KITE-999"), "scanned_bag_code")
    assert "HARD STOP" in message and "KITE-999 is not an identifier of bag 1" in message
    assert "Expected:" in message and "KITE-123" in message
    deviation = Deviation.objects.get()
    assert (deviation.kind, deviation.scanned) == ("identity_mismatch", "KITE-999")
    assert snapshot(bag) == before


def test_the_ins_on_the_wristband_is_accepted_with_spaces(bag, users):
    patient = bag.product.episode.patient
    bag = check(bag, users, scanned_wristband=patient.ins_display)
    assert bag.bedside_checked_by == users[NURSE] and bag.bedside_second_person == users[SECOND]
    event = CustodyEvent.objects.get(action="bedside_checked")
    assert event.second_person == users[SECOND] and event.scanned == [patient.ins_display, SCAN_A]
    meanings = set(JournalEntry.objects.filter(action="signature.signed", object_id=str(event.pk))
                   .values_list("after__meaning", flat=True))
    assert meanings == {"checked at the bedside", "verified"}
    assert JournalEntry.objects.filter(action="products.bedside_checked").exists()


def test_the_infusion_waits_for_the_bedside_check(bag, users):
    start_thaw(actor=users[NURSE], bag=bag, at=ago(5))
    assert "at the bedside first" in refused(lambda: start_infusion(actor=users[NURSE], bag=bag, at=ago(1)), "bag")


# Infusion --------------------------------------------------------------------------------------------------

def test_an_infusion_within_the_limit_moves_the_episode_to_infused(bag, users):
    episode = bag.product.episode
    ready_for_infusion(episode, users)
    start_thaw(actor=users[NURSE], bag=bag, at=ago(20))
    check(bag, users)
    start_infusion(actor=users[NURSE], bag=bag, at=ago(10))
    bag = end_infusion(actor=users[NURSE], bag=bag, at=ago(1))
    assert bag.infusion_ended_at and bag.status == "dispensed"
    episode.refresh_from_db()
    assert episode.state == State.INFUSED
    assert not Deviation.objects.exists()
    assert set(CustodyEvent.objects.filter(bag=bag).values_list("action", flat=True)) == {
        "dispensed", "thawed", "bedside_checked", "infusion_started", "infused"}
    for action in ("products.thaw_started", "products.bedside_checked", "products.infusion_started",
                   "products.infusion_ended", "episode.moved"):
        assert JournalEntry.objects.filter(action=action).exists(), action
    assert "infused on" in refused(lambda: start_thaw(actor=users[NURSE], bag=bag, at=ago(1)), "bag")


def test_an_end_after_the_limit_records_a_deviation(bag, users):
    ready_for_infusion(bag.product.episode, users)
    thawed = ago(60)
    start_thaw(actor=users[NURSE], bag=bag, at=thawed)
    check(bag, users)
    start_infusion(actor=users[NURSE], bag=bag, at=thawed + dt.timedelta(minutes=10))
    end_infusion(actor=users[NURSE], bag=bag, at=thawed + dt.timedelta(minutes=31))  # limit 30 min
    deviation = Deviation.objects.get()
    assert (deviation.kind, deviation.expected, deviation.scanned) == ("thaw_limit_exceeded", "≤ 30 min", "31 min")
    assert JournalEntry.objects.filter(action="products.deviation_recorded").count() == 1
    bag.product.episode.refresh_from_db()
    assert bag.product.episode.state == State.INFUSED  # the cells were given: recorded all the same


def test_an_end_exactly_at_the_limit_is_on_time(bag, users):
    ready_for_infusion(bag.product.episode, users)
    thawed = ago(60)
    start_thaw(actor=users[NURSE], bag=bag, at=thawed)
    check(bag, users)
    start_infusion(actor=users[NURSE], bag=bag, at=thawed + dt.timedelta(minutes=5))
    end_infusion(actor=users[NURSE], bag=bag, at=thawed + dt.timedelta(minutes=30))
    assert not Deviation.objects.exists()


def test_the_pathway_refusing_infused_refuses_the_end(bag, users):
    """LD days and the neurology checklist not recorded: the end is refused with the pathway's message."""
    start_thaw(actor=users[NURSE], bag=bag, at=ago(20))
    check(bag, users)
    start_infusion(actor=users[NURSE], bag=bag, at=ago(10))
    message = refused(lambda: end_infusion(actor=users[NURSE], bag=bag, at=ago(1)), "episode")
    assert "neurology checklist is incomplete" in message
    bag.refresh_from_db()
    assert bag.infusion_ended_at is None
    assert not CustodyEvent.objects.filter(action="infused").exists()
    assert not JournalEntry.objects.filter(action="products.infusion_ended").exists()


# Unused bag ------------------------------------------------------------------------------------------------

def test_an_unused_bag_is_returned_with_its_reason(bag, users):
    assert "Say why" in refused(lambda: return_or_destroy(actor=users[NURSE], bag=bag, action="returned",
                                                          reason=" "), "reason")
    bag = return_or_destroy(actor=users[NURSE], bag=bag, action="returned", reason="Patient febrile, D0 postponed")
    assert (bag.disposal, bag.disposal_reason) == ("returned", "Patient febrile, D0 postponed") and bag.disposed_at
    assert CustodyEvent.objects.filter(bag=bag, action="returned").exists()
    entry = JournalEntry.objects.get(action="products.bag_disposed")
    assert entry.after["disposal"] == "returned" and entry.after["reason"] == "Patient febrile, D0 postponed"
    assert "returned unused" in refused(lambda: start_thaw(actor=users[NURSE], bag=bag, at=ago(1)), "bag")


def test_a_thawed_bag_is_destroyed_not_returned(bag, users):
    start_thaw(actor=users[NURSE], bag=bag, at=ago(5))
    assert "cannot be refrozen" in refused(lambda: return_or_destroy(actor=users[NURSE], bag=bag, action="returned",
                                                                     reason="Patient unwell"), "action")
    bag = return_or_destroy(actor=users[NURSE], bag=bag, action="destroyed", reason="Patient unwell after thaw")
    assert bag.disposal == "destroyed"
    assert CustodyEvent.objects.filter(bag=bag, action="destroyed").exists()
    assert JournalEntry.objects.filter(action="products.bag_disposed", after__disposal="destroyed").exists()


def test_a_bag_whose_infusion_started_is_not_unused(bag, users):
    start_thaw(actor=users[NURSE], bag=bag, at=ago(20))
    check(bag, users)
    start_infusion(actor=users[NURSE], bag=bag, at=ago(10))
    assert "not an unused bag" in refused(lambda: return_or_destroy(actor=users[NURSE], bag=bag, action="destroyed",
                                                                    reason="x"), "bag")


# thaw.py ---------------------------------------------------------------------------------------------------

T = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def test_thaw_deadline_and_remaining():
    assert thaw.deadline(T, 30) == T + dt.timedelta(minutes=30)
    assert thaw.deadline(T, 150) == dt.datetime(2026, 3, 2, 12, 30, tzinfo=dt.UTC)
    assert thaw.remaining(T, 60, T + dt.timedelta(minutes=45)) == dt.timedelta(minutes=15)
    assert thaw.remaining(T, 30, T + dt.timedelta(minutes=31)) == dt.timedelta(minutes=-1)
    assert thaw.elapsed_minutes(T, T + dt.timedelta(minutes=31)) == 31


def test_thaw_overdue_only_after_the_deadline():
    assert thaw.is_overdue(T, 30, T + dt.timedelta(minutes=30)) is False
    assert thaw.is_overdue(T, 30, T + dt.timedelta(minutes=30, seconds=1)) is True
    status = thaw.thaw_status(T, 30, T + dt.timedelta(minutes=40))
    assert status.limit_known and status.overdue and status.remaining == dt.timedelta(0)
    assert status.overdue_by == dt.timedelta(minutes=10) and status.message == ""
    status = thaw.thaw_status(T, 30, T + dt.timedelta(minutes=10))
    assert not status.overdue and status.remaining == dt.timedelta(minutes=20)


def test_thaw_unknown_limit_says_so():
    assert thaw.deadline(T, None) is None
    assert thaw.remaining(T, None, T) is None
    assert thaw.is_overdue(T, None, T + dt.timedelta(days=1)) is None  # unknown, not “on time”
    status = thaw.thaw_status(T, None, T)
    assert not status.limit_known and status.deadline is None and status.overdue is None
    assert status.message == "No limit recorded for this product: check the label."


def test_thaw_negative_limit_is_an_error():
    with pytest.raises(ValueError):
        thaw.deadline(T, -1)
