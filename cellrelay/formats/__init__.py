"""How the app writes dates and times: one way per language, set in ``<language>/formats.py``
(``FORMAT_MODULE_PATH``). Nothing else in the code writes a date pattern (tests/test_dates.py).

Templates use the named formats (``|date:"SHORT_DATE_FORMAT"``, ``|date:"SHORT_DATETIME_FORMAT"``) and
``|weekday`` (``{% load dates %}``); Python code uses the functions below.
"""

from datetime import date, datetime

from django.utils import formats, timezone
from django.utils.translation import get_language


def day(value: date) -> str:
    """04/12/2026 — 04 Dec 2026."""
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def moment(value: datetime) -> str:
    """04/12/2026 14:00 — 04 Dec 2026 14:00, in local time."""
    return formats.date_format(timezone.localtime(value) if timezone.is_aware(value) else value,
                               "SHORT_DATETIME_FORMAT")


def weekday(value: date) -> str:
    """vendredi 04/12/2026 — Friday 04 Dec 2026: a day of a schedule."""
    return formats.date_format(value, own_format("WEEKDAY_DATE_FORMAT"))


def own_format(name: str) -> str:
    """A format of ours that Django does not resolve by name, from the active language's module (English's else)."""
    for module in formats.get_format_modules(get_language() or "en"):
        if hasattr(module, name):
            return getattr(module, name)
    from .en import formats as english

    return getattr(english, name)
