"""Whether a CRS or ICANS is still open, and which proposed grades wait for a physician, as pure rules."""

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from cellrelay.monitoring.open_toxicity import Graded, unconfirmed, unresolved

START = datetime(2026, 12, 1, 8)


def course(*grades, confirmed=None) -> list[Graded]:
    """One record every 8 hours with these grades (proposed; confirmed as given when ``confirmed``)."""
    return [Graded(START + timedelta(hours=8 * n), grade, grade if confirmed else None)
            for n, grade in enumerate(grades)]


def test_a_crs_still_graded_is_open_at_its_highest_grade_since_it_began():
    records = course(1, 2, 2, 1)
    assert unresolved(records) == records[1]


def test_a_later_grade_0_resolves_it():
    assert unresolved(course(1, 2, 0)) is None


def test_a_grade_0_between_two_episodes_does_not_resolve_the_second():
    records = course(3, 0, 1)
    assert unresolved(records) == records[2]


def test_a_physician_confirming_grade_0_resolves_a_proposed_grade_1():
    record = Graded(START, proposed=1, confirmed=0)
    assert unresolved([record]) is None and unconfirmed([record]) is None


def test_the_highest_unconfirmed_proposal_is_named_the_latest_of_equals():
    records = course(1, 2, 2) + [Graded(START + timedelta(days=2), 3, 3)]
    assert unconfirmed(records) == records[2]


def test_a_proposed_grade_0_waits_for_no_one():
    assert unconfirmed(course(0, 0)) is None


@given(st.lists(st.integers(0, 4), max_size=12))
def test_open_exactly_when_a_grade_of_1_or_more_has_no_grade_0_after_it(grades):
    records = course(*grades)
    open_ = any(g >= 1 and 0 not in grades[n + 1:] for n, g in enumerate(grades))
    assert (unresolved(records) is not None) == open_
