"""What the rooms above products offer to do with a bag on the products' pages.

The pharmacy places a bag in a tank and dispenses it; products may not import the pharmacy, so the pharmacy
registers its steps here from its ``AppConfig.ready`` (``pharmacy/bag_steps.py``). A step function is
``steps(bag, user) -> list[(label, url)]``, each step already checked against the permission table for the user
at the patient's center; an empty list offers nothing.

- ``next_steps``: what the product page lists as the chain's next steps for this bag;
- ``actions``: the buttons of the bag's own page.
"""

from collections.abc import Callable

Steps = Callable[..., list[tuple[str, str]]]

_next_steps: list[Steps] = []
_actions: list[Steps] = []


def _add(registered: list[Steps], steps: Steps) -> Steps:
    if steps not in registered:  # ready() may run more than once (tests, reloads)
        registered.append(steps)
    return steps


def register_next_steps(steps: Steps) -> Steps:
    return _add(_next_steps, steps)


def register_actions(steps: Steps) -> Steps:
    return _add(_actions, steps)


def next_steps(bag, user) -> list[tuple[str, str]]:
    """(label, url) of the steps the rooms above offer for this bag on the product page."""
    return [step for steps in _next_steps for step in steps(bag, user)]


def actions(bag, user) -> list[tuple[str, str]]:
    """(label, url) of the steps the rooms above offer on the bag's page."""
    return [step for steps in _actions for step in steps(bag, user)]
