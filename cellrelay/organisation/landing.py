"""Where each user lands after signing in: the page where their work is.

The pages belong to higher rooms (the worklist is the pathway's), so they register their landing
here from their ``AppConfig.ready``, each for an action of the permission table (e.g. working in the
pharmacy); a user allowed none of them falls back to the pages of the rooms below.
"""

from collections.abc import Callable

from .access import can
from .permissions import Action

_LANDINGS: dict[Action, Callable[[], str]] = {}


def register(action: Action, url: Callable[[], str]) -> None:
    """Whoever may perform ``action`` lands on ``url()`` (called per request, so that it is reversed once the URLs
    are loaded)."""
    _LANDINGS[action] = url


def landing_for(user) -> str | None:
    """The landing of the first registered action the user may perform, in the order of ``Action`` (following every
    team's work first), or None."""
    for action in Action:
        if action in _LANDINGS and can(user, action):
            return _LANDINGS[action]()
    return None
