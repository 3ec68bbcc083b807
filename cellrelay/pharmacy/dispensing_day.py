"""On which day a bag may leave the tank for its infusion. Pure Python, no Django.

The pharmacy dispenses a bag to be thawed and infused: once out of the tank and thawed it cannot go back, and a
bag dispensed days ahead would be lost if the lymphodepletion or the infusion were postponed. Neither
`products.md` nor `pathway.md` gives any product a window before the infusion day, so dispensing opens on the
planned infusion day (D0) itself. Later than planned is not refused: an infusion may slip within the label's
window (`products.md`), and the planned D0 is then moved on the schedule.
"""

from datetime import date, timedelta

# pathway.md: "storage: vapour phase of liquid nitrogen until the day of infusion" (no product sets another window).
DAYS_BEFORE_INFUSION = 0


def first_day(planned_infusion: date, days_before: int = DAYS_BEFORE_INFUSION) -> date:
    """The first day a bag may be dispensed for an infusion planned on ``planned_infusion``."""
    if days_before < 0:
        raise ValueError("a dispensing window opens on or before the infusion day")
    return planned_infusion - timedelta(days=days_before)


def too_early(day: date, planned_infusion: date, days_before: int = DAYS_BEFORE_INFUSION) -> bool:
    """Whether dispensing on ``day`` comes before the window of the planned infusion."""
    return day < first_day(planned_infusion, days_before)
