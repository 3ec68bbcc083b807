"""The lookups of cellrelay/indexed_lookups.py give the same rows as Django's own, on SQLite and on PostgreSQL."""

import pytest
from django.db.models import F, Q

from cellrelay.indexed_lookups import InIds
from cellrelay.patients.models import Patient
from tests.conftest import register

pytestmark = pytest.mark.django_db


def test_in_ids_finds_the_rows_of_the_ids_given_as_one_parameter(org):
    patients = [register(org, family=f"Ids{n}", given="Test", serial=60 + n) for n in range(3)]
    wanted = {patients[0].pk, patients[2].pk}
    found = Patient.objects.filter(InIds(F("pk"), [*wanted, patients[0].pk, 10**9]))  # a repeat, an unknown id
    assert set(found.values_list("pk", flat=True)) == wanted
    assert not Patient.objects.filter(InIds(F("pk"), [])).exists()
    assert set(Patient.objects.filter(Q(InIds(F("pk"), [patients[1].pk])) | Q(pk=patients[2].pk))
               .values_list("pk", flat=True)) == {patients[1].pk, patients[2].pk}


def test_in_ids_takes_ids_only(org):
    with pytest.raises(ValueError):
        list(Patient.objects.filter(InIds(F("pk"), ["1; DROP TABLE x"])))
