"""Checks on the raw inputs that the follow-up room's pure rules share. No Django."""

from datetime import date, datetime
from decimal import Decimal

from cellrelay.monitoring.grading import ContradictoryInput
from cellrelay.textmarks import gettext_noop

# A date outside these years is a typing error (20266 for 2026), and would overflow date arithmetic.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def is_number(value) -> bool:
    """int, float or Decimal (the models store measures as Decimal), never a bool, never NaN."""
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) and value == value


def plausible_date(field: str, day) -> date:
    """``day`` when it is a date (not a datetime) between 1900 and 2100; refused naming ``field`` otherwise."""
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ContradictoryInput(field, gettext_noop("A date is required."))
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ContradictoryInput(field, gettext_noop("The date must be between 1900 and 2100."))
    return day
