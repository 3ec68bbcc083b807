"""On which day a bag may be dispensed: the planned infusion day, not before (pure rule)."""

import datetime as dt

import pytest

from cellrelay.pharmacy import dispensing_day

D0 = dt.date(2026, 3, 12)


def test_the_window_opens_on_the_infusion_day_itself():
    assert dispensing_day.first_day(D0) == D0
    assert dispensing_day.too_early(D0 - dt.timedelta(days=1), D0)
    assert not dispensing_day.too_early(D0, D0)


def test_a_later_day_is_not_too_early_an_infusion_may_slip():
    assert not dispensing_day.too_early(D0 + dt.timedelta(days=2), D0)


def test_a_window_of_days_before_the_infusion_opens_earlier():
    assert dispensing_day.first_day(D0, days_before=1) == D0 - dt.timedelta(days=1)
    assert not dispensing_day.too_early(D0 - dt.timedelta(days=1), D0, days_before=1)
    with pytest.raises(ValueError):
        dispensing_day.first_day(D0, days_before=-1)
