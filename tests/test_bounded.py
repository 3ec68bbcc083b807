"""The first rows of a list and its count up to a cap (cellrelay/bounded.py), on the real tables."""

import pytest
from django.db.models import F

from cellrelay import bounded
from cellrelay.indexed_lookups import EqualsConstant
from cellrelay.patients.models import Patient
from tests.conftest import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def five(org):
    return [register(org, family=f"Bounded{n}", serial=60 + n) for n in range(5)]


def test_a_short_list_is_its_own_count_and_a_long_one_is_counted_up_to_the_cap(five):
    patients = Patient.objects.filter(family_name__startswith="Bounded").order_by("pk")
    short = bounded.first(patients, limit=10, cap=20)
    assert [p.pk for p in short.rows] == [p.pk for p in five] and short.count == 5 and not short.more
    capped = bounded.first(patients, limit=2, cap=3)
    assert [p.pk for p in capped.rows] == [p.pk for p in five[:2]]
    assert capped.more and capped.count_text == "3+" and capped.beyond_text == "2+"
    exact = bounded.first(patients, limit=2, cap=10)
    assert exact.count_text == "5" and exact.beyond == 3
    uncounted = bounded.first(patients, limit=2, cap=2)  # cap = limit: not counted, "2+"
    assert uncounted.more and uncounted.count_text == "2+"


def test_each_list_gets_its_own_first_rows_and_count_in_one_reading(five, django_assert_num_queries):
    patients = Patient.objects.filter(family_name__startswith="Bounded")
    lists = {"all": patients.order_by("pk"), "last": patients.order_by("-pk"), "none": patients.none().order_by("pk"),
             "one": patients.filter(pk=five[2].pk).order_by("pk")}
    with django_assert_num_queries(2):
        found = bounded.first_of_each({k: v for k, v in lists.items() if k != "none"}, Patient.objects.all(),
                                      limit=2, cap=3)
    assert [p.pk for p in found["all"].rows] == [five[0].pk, five[1].pk] and found["all"].count_text == "3+"
    assert [p.pk for p in found["last"].rows] == [five[4].pk, five[3].pk]
    assert [p.pk for p in found["one"].rows] == [five[2].pk] and found["one"].count == 1
    with django_assert_num_queries(2):  # as many queries when nothing is found
        empty = bounded.first_of_each({"nobody": patients.filter(pk=-1).order_by("pk")}, Patient.objects.all())
    assert empty["nobody"].rows == [] and empty["nobody"].count == 0


def test_a_constant_in_the_sql_is_the_code_s_own_never_typed_text(five):
    assert Patient.objects.filter(EqualsConstant(F("family_name"), "Bounded3")).count() == 1
    with pytest.raises(ValueError):
        list(Patient.objects.filter(EqualsConstant(F("family_name"), "x' OR '1'='1")))
