"""Key delays of an episode, in days (program.md quality indicators). No Django."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Delay:
    code: str
    start: date | None
    end: date | None

    @property
    def days(self) -> int | None:
        return (self.end - self.start).days if self.start and self.end else None


def key_delays(referral: date | None, decision: date | None, apheresis: date | None,
               infusion: date | None) -> list[Delay]:
    """Referral → decision, decision → apheresis, apheresis → infusion (vein to vein), decision → infusion."""
    return [
        Delay("referral_to_decision", referral, decision),
        Delay("decision_to_apheresis", decision, apheresis),
        Delay("vein_to_vein", apheresis, infusion),
        Delay("decision_to_infusion", decision, infusion),
    ]
