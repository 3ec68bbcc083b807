"""The follow-up visits as the pathway draws them (pathway/later_steps.py): on the timeline, in the patient's plan.

Once the infusion is recorded they are the plan's visits; before it, the visits the template's timepoints would
give from the planned D0, so that the patient and the teams see the year ahead from the start.
"""

from django.utils.translation import gettext as _

from cellrelay.pathway.codes import localize_code
from cellrelay.pathway.later_steps import LaterStep
from cellrelay.pathway.schedule import Kind
from cellrelay.pathway.states import State
from django.utils.translation import get_language

from . import timepoints
from .models import FollowUpPlan, Visit
from .settings import windows

# The timeline's three states: a visit that will not take place is crossed out.
STATE_OF = {Visit.Status.PLANNED: "planned", Visit.Status.DONE: "done"}
LAST_DAY_OF_THE_ACUTE_PHASE = 28  # D7, D14, D28 sit on the pathway band, the later visits on the follow-up band


def _step(code: str, day: int, planned, actual, status: str) -> LaterStep:
    shown = localize_code(code, get_language())
    kind = Kind.ASSESSMENT if day <= LAST_DAY_OF_THE_ACUTE_PHASE else Kind.FOLLOW_UP
    return LaterStep(kind=kind, code=shown, label=_("Follow-up visit %(code)s") % {"code": shown},
                     planned=planned, actual=actual, status=status)


def later_steps(episode) -> list[LaterStep]:
    plan = FollowUpPlan.objects.filter(episode=episode).first()
    if plan is not None:
        return [_step(v.code, v.day, v.due, v.done_on if v.status == Visit.Status.DONE else None,
                      STATE_OF.get(v.status, "cancelled")) for v in plan.visits.all()]
    if episode.state == State.STOPPED:
        return []
    d0 = episode.milestones.filter(kind=Kind.INFUSION).values_list("planned", flat=True).first()
    if d0 is None:
        return []
    return [_step(v.code, v.day, v.due, None, "planned")
            for v in timepoints.plan(d0, episode.template.timepoints(), windows())]
