"""Registering and changing patients through the service layer: rules, journal, concurrency."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cellrelay.journal.models import JournalEntry
from cellrelay.patients import services
from cellrelay.patients.identity import make_ins
from cellrelay.patients.models import Patient
from tests.conftest import register

pytestmark = pytest.mark.django_db


def counts():
    return Patient.objects.count(), JournalEntry.objects.count()


def test_register_saves_identity_ipp_and_journal(org, users):
    patient = register(org)
    assert patient.body_surface_area_m2 == 1.94  # sqrt(174 × 78 / 3600) = 1.9416
    assert patient.local_ids.get().ipp == "IPP00001"
    actions = list(JournalEntry.objects.values_list("action", "actor__username"))
    assert actions == [("patient.created", "coordinator"), ("patient.local_id_added", "coordinator")]


@pytest.mark.parametrize("field, value, message", [
    ("ins", "162056311300196", "key"),
    ("ins", make_ins(2, 1962, 5, "63113", 9), "sex"),
    ("birth_date", timezone.localdate() + dt.timedelta(days=1), "future"),
    ("weight_kg", 0, "greater than or equal to 2"),
    ("weight_kg", 900, "less than or equal to 350"),
    ("height_cm", 20, "greater than or equal to 40"),
])
def test_bad_input_is_refused_and_nothing_is_saved(org, field, value, message):
    before = counts()
    with pytest.raises(ValidationError) as refused:
        register(org, **{field: value})
    assert message in " ".join(refused.value.message_dict[field])
    assert counts() == before


def test_a_duplicate_ins_is_refused(org, patient):
    before = counts()
    with pytest.raises(ValidationError) as refused:
        register(org, family="Other", ins=patient.ins, serial=7)
    assert "already registered" in refused.value.message_dict["ins"][0]
    assert counts() == before


def test_a_referring_hospital_cannot_be_the_treating_center(org, users):
    with pytest.raises(ValidationError):
        services.register_patient(actor=users["referrer"], treating_center=org["referring"][0],
                                  family_name="X", given_names="Y", sex="F", birth_date=dt.date(1980, 1, 1))


def test_update_is_journaled_with_before_and_after(patient, users):
    updated = services.update_patient(actor=users["wardnurse"], patient=patient, expected_version=1,
                                      changes={"weight_kg": Decimal("74.5"), "city": "Riom"})
    assert updated.version == 2 and updated.weight_kg == Decimal("74.5")
    entry = JournalEntry.objects.filter(action="patient.updated").get()
    assert entry.actor == users["wardnurse"]
    assert entry.before == {"city": "", "weight_kg": "78.0"}
    assert entry.after == {"city": "Riom", "weight_kg": "74.5"}


def test_an_edit_based_on_a_stale_version_is_refused(patient, users):
    services.update_patient(actor=users["coordinator"], patient=patient, expected_version=1, changes={"city": "Riom"})
    with pytest.raises(services.StaleVersion):
        services.update_patient(actor=users["wardnurse"], patient=patient, expected_version=1,
                                changes={"weight_kg": Decimal("60")})
    patient.refresh_from_db()
    assert patient.weight_kg == Decimal("78.0") and patient.city == "Riom"


def test_an_update_that_changes_nothing_writes_nothing(patient, users):
    before = counts()
    services.update_patient(actor=users["coordinator"], patient=patient, expected_version=1, changes={"city": ""})
    assert counts() == before


def test_consents_keep_their_history(patient, users):
    services.record_consent(actor=users["research"], patient=patient, kind="registry", status="given",
                            decided_on=dt.date(2026, 1, 5))
    services.record_consent(actor=users["research"], patient=patient, kind="registry", status="withdrawn",
                            decided_on=dt.date(2026, 6, 1))
    assert services.current_consents(patient)["registry"].status == "withdrawn"
    assert patient.consents.count() == 2


def test_an_ipp_already_used_at_the_center_is_refused(org, patient, users):
    other = register(org, family="Other", serial=8, ipp="")
    with pytest.raises(ValidationError) as refused:
        services.add_local_id(actor=users["coordinator"], patient=other, center=org["treating"], ipp="IPP00001")
    assert "already used" in refused.value.message_dict["ipp"][0]
