"""Time after thaw: the deadline, what is left and whether it is overdue. Pure Python, no Django.

products.md gives each product a limit from the start of the thaw (Kymriah, Yescarta, Tecartus: 30 min;
Abecma: 1 h per bag; Breyanzi: 2 h; Carvykti: 2.5 h to the end of the infusion); the protocol template keeps
it as ``thaw_limit_minutes``. The limit runs from the start of the thaw to the end of the infusion.

A template without a limit (``None``) has no deadline: every function here then returns ``None`` — never
“not overdue” — and the page shows ``NO_LIMIT`` (“no limit recorded for this product: check the label”).
The pages' live countdown (next step) calls ``thaw_status`` with the browser's clock as ``now``.

Datetimes are compared as given: pass aware datetimes (Django's ``timezone.now()``) throughout.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from cellrelay.textmarks import gettext_noop


NO_LIMIT = gettext_noop("No limit recorded for this product: check the label.")


def deadline(thaw_started_at: datetime, limit_minutes: int | None) -> datetime | None:
    """The moment the infusion must be over; ``None`` when the product's limit is unknown."""
    if limit_minutes is None:
        return None
    if limit_minutes < 0:
        raise ValueError("a thaw limit is not negative")
    return thaw_started_at + timedelta(minutes=limit_minutes)


def elapsed_minutes(thaw_started_at: datetime, at: datetime) -> float:
    """Minutes from the start of the thaw to ``at`` (negative when ``at`` is before the thaw)."""
    return (at - thaw_started_at).total_seconds() / 60


def remaining(thaw_started_at: datetime, limit_minutes: int | None, now: datetime) -> timedelta | None:
    """Time left before the deadline, negative once it is passed; ``None`` when the limit is unknown."""
    end = deadline(thaw_started_at, limit_minutes)
    return None if end is None else end - now


def is_overdue(thaw_started_at: datetime, limit_minutes: int | None, now: datetime) -> bool | None:
    """Past the deadline (ending exactly at the deadline is on time); ``None`` when the limit is unknown."""
    end = deadline(thaw_started_at, limit_minutes)
    return None if end is None else now > end


@dataclass(frozen=True)
class ThawStatus:
    """What a page shows: the deadline, the time left (never below zero), how late, or that no limit is known."""

    limit_known: bool
    deadline: datetime | None
    remaining: timedelta | None
    overdue: bool | None
    overdue_by: timedelta | None
    message: str = ""  # NO_LIMIT (an English msgid, translate it) when the limit is unknown


def thaw_status(thaw_started_at: datetime, limit_minutes: int | None, now: datetime) -> ThawStatus:
    end = deadline(thaw_started_at, limit_minutes)
    if end is None:
        return ThawStatus(limit_known=False, deadline=None, remaining=None, overdue=None, overdue_by=None,
                          message=NO_LIMIT)
    left = end - now
    late = now > end
    return ThawStatus(limit_known=True, deadline=end, remaining=max(left, timedelta(0)), overdue=late,
                      overdue_by=(now - end) if late else timedelta(0))
