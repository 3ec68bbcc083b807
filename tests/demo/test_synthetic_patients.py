"""seed_synthetic: valid, unique and complete synthetic patients; the pure generator's properties."""

import datetime as dt
from decimal import Decimal
import io
import random

from django.core.management import call_command
from django.db.models import Count, F, Q
from hypothesis import given, strategies as st
import pytest

from cellrelay.demo.synthetic import patients as synthetic
from cellrelay.journal.models import JournalEntry
from cellrelay.organisation.models import Membership
from cellrelay.organisation.permissions import Role
from cellrelay.patients import identity
from cellrelay.patients.models import Consent, LocalId, Patient


def seed_synthetic(patients=300, seed=1):
    call_command("seed_synthetic", patients=patients, seed=seed, no_progress=True, stdout=io.StringIO())


def assert_ins_matches(ins, sex, birth_date):
    assert identity.normalise_ins(ins) == ins
    assert identity.ins_identity_problem(ins, sex, birth_date) is None


def seeding_entries():
    return JournalEntry.objects.filter(action=JournalEntry.Action.DATA_SEEDED, actor_label="seed_synthetic command")


@pytest.mark.django_db
def test_seeding_adds_valid_complete_patients(patient):
    seed_synthetic()

    synthetic_patients = Patient.objects.exclude(pk=patient.pk)
    assert synthetic_patients.count() == 300
    for each in synthetic_patients:
        if each.ins:
            assert_ins_matches(each.ins, each.sex, each.birth_date)
        each.full_clean()  # the model's own rules: ranges, INS against sex and birth date, uniqueness
    all_ins = list(Patient.objects.exclude(ins=None).values_list("ins", flat=True))
    assert len(all_ins) == len(set(all_ins))
    assert 0 < synthetic_patients.filter(ins=None).count() < 300 * 0.15
    incomplete = synthetic_patients.annotate(
        ipps=Count("local_ids", filter=Q(local_ids__center=patient.treating_center), distinct=True),
        contacts_count=Count("contacts", distinct=True),
    ).exclude(ipps=1, contacts_count=1)
    assert not incomplete.exists()
    assert 240 <= Consent.objects.filter(kind="registry", status="given").count() < 300


@pytest.mark.django_db
def test_referred_patients_name_a_referring_physician_of_their_center(org):
    seed_synthetic()

    referred = Patient.objects.exclude(referring_center=None)
    assert 60 < referred.count() < 140  # about one third
    for each in referred:
        assert Membership.objects.filter(user_id=each.referring_physician_id, center_id=each.referring_center_id,
                                         role=Role.REFERRING_PHYSICIAN).exists()


@pytest.mark.django_db
def test_a_second_run_adds_as_many_again_and_is_journaled_once_per_run(org):
    seed_synthetic()
    assert seeding_entries().count() == 1

    seed_synthetic()  # same seed: the same INS are drawn first, and must be redrawn

    assert Patient.objects.count() == 600
    all_ins = list(Patient.objects.exclude(ins=None).values_list("ins", flat=True))
    assert len(all_ins) == len(set(all_ins))
    assert LocalId.objects.filter(ipp__startswith="SY").values("ipp").distinct().count() == 600
    assert [entry.after for entry in seeding_entries()] == [{"patients": 300, "seed": 1}] * 2
    call_command("verify_journal", stdout=io.StringIO())


@pytest.mark.django_db
def test_patients_go_to_every_treating_center_with_an_ipp_there(org, outsider):
    seed_synthetic(patients=100)

    assert len(set(Patient.objects.values_list("treating_center", flat=True))) == 2
    assert not Patient.objects.exclude(local_ids__center=F("treating_center")).exists()


# The pure generator, without a database.

@given(seed=st.integers(min_value=0, max_value=2**64), today=st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)))
def test_a_generated_patient_is_consistent(seed, today):
    fields = synthetic.patient(random.Random(seed), today, set())["fields"]

    assert fields["sex"] in {"F", "M"}
    if fields["ins"]:
        assert_ins_matches(fields["ins"], fields["sex"], fields["birth_date"])
    assert fields["birth_date"] <= today - dt.timedelta(days=3 * 365)  # aged 3 or more
    assert fields["measured_on"] <= today
    for name, (low, high) in [("weight_kg", identity.WEIGHT_KG_RANGE), ("height_cm", identity.HEIGHT_CM_RANGE)]:
        assert low <= fields[name] <= high
        assert fields[name] == fields[name].quantize(Decimal("0.1"))


@given(seed=st.integers(min_value=0, max_value=2**64))
def test_an_ins_already_taken_is_never_drawn_again(seed):
    birth = dt.date(1960, 5, 17)
    first = synthetic.draw_ins(random.Random(seed), "F", birth, set())
    taken = {first}

    second = synthetic.draw_ins(random.Random(seed), "F", birth, taken)

    assert second != first
    assert taken == {first, second}


def test_ages_are_mostly_40_to_80_with_some_children_and_young_adults():
    rng = random.Random(0)
    ages = [synthetic.draw_age(rng) for _ in range(5000)]

    assert min(ages) >= 3 and max(ages) <= 80
    assert sum(40 <= age <= 80 for age in ages) / len(ages) > 0.8
    assert 0.05 < sum(age <= 25 for age in ages) / len(ages) < 0.15


def test_a_seed_reproduces_the_same_patients():
    today = dt.date(2026, 6, 1)
    assert synthetic.patient(random.Random(7), today, set()) == synthetic.patient(random.Random(7), today, set())
