"""What the rooms above the pathway do when an episode changes state, in the same transaction.

The pathway may not import them, so they register ``function(episode, before, after)`` here from their
``AppConfig.ready`` (``before`` and ``after`` are ``State`` values); ``pathway.services`` calls each one once the
move is recorded. The pharmacy's bags waiting for a place stop waiting when their episode leaves
the stages before the infusion (infused or stopped): ``pharmacy/waiting.py``.
"""

from cellrelay.hooks import Hook

_moved = Hook()
register = _moved.register


def moved(episode, before: str, after: str) -> None:
    """The episode went from ``before`` to ``after``: every registered room follows."""
    for function in _moved:
        function(episode, before, after)
