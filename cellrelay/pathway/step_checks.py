"""What the rooms above the pathway have to say before a step of the pathway is recorded.

The pathway may not import the rooms above it (monitoring knows the toxicities and the neurology
checklist), so they register their checks here from their ``AppConfig.ready``, and the pathway's
services ask every registered check. A check is ``check(episode, step) -> list[str]``: ``step`` is
the milestone kind being recorded (``schedule.Kind``), each string a reason already in the user's
language; an empty list says nothing stands in the way.

- ``to_confirm``: reasons the user must see and explicitly confirm (e.g. a CRS still open at discharge);
- ``refusing``: reasons the step cannot be recorded at all until something is done elsewhere
  (e.g. the pre-infusion neurology checklist, completed or waived on the monitoring pages).
"""

from collections.abc import Callable

Check = Callable[..., list[str]]

_to_confirm: list[Check] = []
_refusing: list[Check] = []


def _add(checks: list[Check], check: Check) -> Check:
    if check not in checks:  # ready() may run more than once (tests, reloads)
        checks.append(check)
    return check


def register_to_confirm(check: Check) -> Check:
    return _add(_to_confirm, check)


def register_refusing(check: Check) -> Check:
    return _add(_refusing, check)


def reasons_to_confirm(episode, step: str) -> list[str]:
    """What the user must confirm before recording ``step`` (empty: nothing to confirm)."""
    return [reason for check in _to_confirm for reason in check(episode, step)]


def reasons_refusing(episode, step: str) -> list[str]:
    """Why ``step`` cannot be recorded yet (empty: nothing stands in the way)."""
    return [reason for check in _refusing for reason in check(episode, step)]
