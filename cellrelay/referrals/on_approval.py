"""What an approving RCP decision sets going in the rooms above: the pathway opens the treatment episode.

The referrals room may not import the pathway (it is above), so the pathway registers here, from its
``AppConfig.ready``, a check and what follows:
- ``check(decision)`` raises a ValidationError when the approval could not be followed (e.g. no protocol
  template for its product and indication); it runs with the decision's own checks, before it is saved;
- ``follow(*, actor, decision)`` runs once the decision is saved, in its transaction: an error undoes the decision.
"""

from collections.abc import Callable

from cellrelay.hooks import Hook

_checks = Hook()
_follow_ups = Hook()


def register(*, check: Callable, follow: Callable) -> None:
    _checks.register(check)
    _follow_ups.register(follow)


def check(decision) -> None:
    for each in _checks:
        each(decision)


def follow(*, actor, decision) -> None:
    for each in _follow_ups:
        each(actor=actor, decision=decision)
