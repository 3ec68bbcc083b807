"""Where each role lands after signing in: the page where its work is.

The pages belong to higher rooms (the worklist is the pathway's), so they register their landing
here from their ``AppConfig.ready``; a role nobody registered falls back to the pages of the rooms below.
"""

from collections.abc import Callable

from .permissions import Role

_LANDINGS: dict[Role, Callable[[], str]] = {}


def register(role: Role, url: Callable[[], str]) -> None:
    """The role lands on ``url()`` (called per request, so that it is reversed once the URLs are loaded)."""
    _LANDINGS[role] = url


def landing_for(roles) -> str | None:
    """The landing of the first of these roles, in the order of ``Role`` (the coordinator's first), or None."""
    held = set(roles)
    for role in Role:
        if role in held and role in _LANDINGS:
            return _LANDINGS[role]()
    return None
