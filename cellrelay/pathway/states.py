"""The treatment episode's states, in order, and which move is allowed. No Django.

An episode moves one step at a time; it may stop at any open state with a reason, and a stop
is recorded, never deleted (pathway.md: attrition matters, registries count every patient).
"""

from enum import StrEnum


class State(StrEnum):
    REFERRED = "referred"
    APPROVED = "approved"
    APHERESIS_SCHEDULED = "apheresis_scheduled"
    COLLECTED = "collected"
    MANUFACTURING = "manufacturing"
    PRODUCT_RECEIVED = "product_received"
    ADMITTED = "admitted"
    LYMPHODEPLETION = "lymphodepletion"
    INFUSED = "infused"
    ACUTE_MONITORING = "acute_monitoring"
    DISCHARGED = "discharged"
    LONG_TERM_FOLLOW_UP = "long_term_follow_up"
    CLOSED = "closed"
    STOPPED = "stopped"


ORDER = [
    State.REFERRED, State.APPROVED, State.APHERESIS_SCHEDULED, State.COLLECTED, State.MANUFACTURING,
    State.PRODUCT_RECEIVED, State.ADMITTED, State.LYMPHODEPLETION, State.INFUSED, State.ACUTE_MONITORING,
    State.DISCHARGED, State.LONG_TERM_FOLLOW_UP, State.CLOSED,
]
FINAL = {State.CLOSED, State.STOPPED}
# Reached through the product's chain of custody (products room: collection, registration at the manufacturer,
# receipt, end of infusion), never by the episode page's “Record” button: each needs its custody record.
REACHED_THROUGH_THE_PRODUCT = {State.COLLECTED, State.MANUFACTURING, State.PRODUCT_RECEIVED, State.INFUSED}


class StopReason(StrEnum):
    PROGRESSION = "progression"
    DEATH = "death"
    MANUFACTURING_FAILURE = "manufacturing_failure"
    PATIENT_CHOICE = "patient_choice"
    OTHER = "other"


class TransitionRefused(ValueError):
    def __init__(self, current: State, target: State, expected: State | None):
        self.current, self.target, self.expected = current, target, expected
        super().__init__(f"{current} → {target} refused (next: {expected})")


def next_state(current: State) -> State | None:
    """The one state an open episode may move to next (None when final)."""
    if current in FINAL:
        return None
    return ORDER[ORDER.index(current) + 1]


def check_transition(current: State, target: State) -> None:
    """Allowed: the next state in ORDER, or STOPPED from any open state. Anything else is refused."""
    if current in FINAL:
        raise TransitionRefused(current, target, None)
    if target == State.STOPPED:
        return
    expected = next_state(current)
    if target != expected:
        raise TransitionRefused(current, target, expected)


def is_before(state: State, milestone_state: State) -> bool:
    """Whether ``state`` comes before ``milestone_state`` in the pathway (stopped counts as neither)."""
    return state in ORDER and ORDER.index(state) < ORDER.index(milestone_state)
