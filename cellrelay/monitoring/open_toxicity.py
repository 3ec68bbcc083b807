"""Whether a CRS or an ICANS is still open, and which proposed grades still wait for a physician. No Django.

grading.md: the software proposes a grade and the physician confirms it. A record's grade is the
confirmed one when there is one, else the proposed one (as on the flow sheet). A toxicity is
resolved by a later grade 0 (summary.py: the registries' resolution); until then it is open.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Graded:
    """One graded record (vital signs for CRS, a neurological assessment for ICANS)."""

    at: datetime
    proposed: int
    confirmed: int | None = None  # None: no physician has confirmed it yet

    @property
    def grade(self) -> int:
        return self.proposed if self.confirmed is None else self.confirmed


def unresolved(records: Iterable[Graded]) -> Graded | None:
    """The highest record of the toxicity still open (graded ≥ 1, with no grade 0 after it), None when resolved.

    Of several records at that grade, the first: the day the open toxicity reached it.
    """
    open_since: list[Graded] = []
    for record in sorted(records, key=lambda r: r.at):
        if record.grade >= 1:
            open_since.append(record)
        else:
            open_since = []  # a grade 0 resolves everything before it
    return max(open_since, key=lambda r: r.grade, default=None)


def unconfirmed(records: Iterable[Graded]) -> Graded | None:
    """The highest proposed grade ≥ 1 that no physician has confirmed (the latest of equals), None when none."""
    waiting = [r for r in records if r.confirmed is None and r.proposed >= 1]
    return max(waiting, key=lambda r: (r.proposed, r.at), default=None)
