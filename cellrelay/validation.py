"""Checks that every room's services share."""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


def refuse_future_date(field: str, day: date, *, message: str | None = None) -> None:
    """``message`` says it in the words of the form when "This date is in the future." would not be clear."""
    if day > timezone.localdate():
        raise ValidationError({field: message or _("This date is in the future.")})


def refuse_future_time(field: str, moment: datetime, *, tolerance: timedelta = timedelta(0)) -> None:
    """``tolerance`` forgives a bedside clock running a little ahead of the server's."""
    if moment > timezone.now() + tolerance:
        raise ValidationError({field: _("This time is in the future.")})
