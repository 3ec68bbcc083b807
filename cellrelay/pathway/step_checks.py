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

from cellrelay.hooks import Hook

_to_confirm = Hook()
_refusing = Hook()
register_to_confirm = _to_confirm.register
register_refusing = _refusing.register


def reasons_to_confirm(episode, step: str) -> list[str]:
    """What the user must confirm before recording ``step`` (empty: nothing to confirm)."""
    return _to_confirm.gather(episode, step)


def reasons_refusing(episode, step: str) -> list[str]:
    """Why ``step`` cannot be recorded yet (empty: nothing stands in the way)."""
    return _refusing.gather(episode, step)
