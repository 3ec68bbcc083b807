"""Checks that every room's services share, and the date policy of every input.

Every date lies within the site's years (CELLRELAY_DATE_MIN_YEAR…MAX, 1900…2100 by default): the request guard
(``input_guard.py``) refuses any date typed or posted outside them before a form or schema reads it, and the
services check them again with the meaning of the date: a birth not in the future, a clinical event (consent,
referral, vital signs, labs, a step of the pathway) neither in the future nor before the patient's birth.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _


def year_in_range(year: int) -> bool:
    return settings.CELLRELAY_DATE_MIN_YEAR <= year <= settings.CELLRELAY_DATE_MAX_YEAR


def out_of_range_message() -> str:
    return _("Give a date between %(low)s and %(high)s.") % {"low": settings.CELLRELAY_DATE_MIN_YEAR,
                                                              "high": settings.CELLRELAY_DATE_MAX_YEAR}


def refuse_date_out_of_range(field: str, day: date | datetime | None) -> None:
    if day is not None and not year_in_range(day.year):
        raise ValidationError({field: out_of_range_message()})


def _refuse_before_birth(field: str, day: date, born: date | None) -> None:
    if born is not None and day < born:
        raise ValidationError({field: _("This date is before the patient's birth (%(birth)s).")
                               % {"birth": formats.date_format(born, "DATE_FORMAT")}})


def refuse_future_date(field: str, day: date, *, message: str | None = None, born: date | None = None) -> None:
    """``message`` says it in the words of the form when "This date is in the future." would not be clear;
    ``born``: the patient's birth date, when the date is an event of their care."""
    refuse_date_out_of_range(field, day)
    if day > timezone.localdate():
        raise ValidationError({field: message or _("This date is in the future.")})
    _refuse_before_birth(field, day, born)


def refuse_future_time(field: str, moment: datetime, *, tolerance: timedelta = timedelta(0),
                       born: date | None = None) -> None:
    """``tolerance`` forgives a bedside clock running a little ahead of the server's."""
    refuse_date_out_of_range(field, moment)
    if moment > timezone.now() + tolerance:
        raise ValidationError({field: _("This time is in the future.")})
    _refuse_before_birth(field, timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date(),
                         born)
