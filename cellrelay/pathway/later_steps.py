"""The steps after D0 that a room above the pathway plans: the follow-up visits, D7 to year 15.

The pathway draws them on the episode's timeline and lists the first year's in the patient's plan,
yet the follow-up room owns them (tests/test_layers.py: the pathway may not import it). That room
registers ``steps(episode) -> list[LaterStep]`` here from its ``AppConfig.ready``, and what to do when
the infusion is recorded (``register_on_infusion``).
"""

from dataclasses import dataclass
from datetime import date

from cellrelay.hooks import Hook

_steps = Hook()
register = _steps.register
# What follows the infusion, in its transaction: the follow-up room plans the visits from the actual D0.
_on_infusion = Hook()
register_on_infusion = _on_infusion.register


@dataclass(frozen=True)
class LaterStep:
    kind: str  # schedule.Kind.ASSESSMENT up to D28 (drawn on the pathway band), Kind.FOLLOW_UP after it
    code: str  # "D7", "D100", "Y2"…
    label: str  # translated, e.g. "Follow-up visit"
    planned: date
    actual: date | None
    status: str  # "planned", "done" or "cancelled" (missed, declined, lost): the timeline's three states


def of(episode) -> list[LaterStep]:
    """Every later step of the episode that the rooms above plan, in date order."""
    return sorted(_steps.gather(episode), key=lambda step: step.planned)


def infused(episode, d0: date, *, actor) -> None:
    """The infusion was recorded on ``d0``: every registered room plans what follows it."""
    for function in _on_infusion:
        function(episode, d0, actor=actor)
