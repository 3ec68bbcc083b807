"""What the rooms above products offer to do with a bag on the products' pages.

The pharmacy places a bag in a tank and dispenses it; products may not import the pharmacy, so the pharmacy
registers its steps here from its ``AppConfig.ready`` (``pharmacy/bag_steps.py``). A step function is
``steps(bag, user) -> list[(label, url)]``, each step already checked against the permission table for the user
at the patient's center; an empty list offers nothing.

- ``next_steps``: what the product page lists as the chain's next steps for this bag;
- ``actions``: the buttons of the bag's own page.
"""

from cellrelay.hooks import Hook

_next_steps = Hook()
_actions = Hook()
register_next_steps = _next_steps.register
register_actions = _actions.register


def next_steps(bag, user) -> list[tuple[str, str]]:
    """(label, url) of the steps the rooms above offer for this bag on the product page."""
    return _next_steps.gather(bag, user)


def actions(bag, user) -> list[tuple[str, str]]:
    """(label, url) of the steps the rooms above offer on the bag's page."""
    return _actions.gather(bag, user)
