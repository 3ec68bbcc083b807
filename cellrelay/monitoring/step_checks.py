"""What monitoring says before a step of the pathway is recorded; registered in pathway.step_checks
from MonitoringConfig.ready (the pathway, below this room, cannot ask it directly).

- Infusion: refused while the pre-infusion neurology checklist is incomplete and not waived (pathway.md).
- Discharge: a CRS or ICANS still open, or a proposed grade no physician has confirmed, is shown to
  the user, who confirms the discharge explicitly (grading.md: the physician confirms every grade).
"""

from datetime import date

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cellrelay.pathway.models import Episode
from cellrelay.pathway.schedule import Kind

from .models import GradeRecord
from .open_toxicity import Graded, unconfirmed, unresolved
from .services import infusion_blockers

SCALE_NAMES = {GradeRecord.Scale.CRS: "CRS", GradeRecord.Scale.ICANS: "ICANS"}


def infusion_refusals(episode: Episode, step: str) -> list[str]:
    if step != Kind.INFUSION:
        return []
    blockers = infusion_blockers(episode)
    if not blockers:
        return []
    labels = {"consultation_on": _("neurology consultation"), "mri_on": _("brain MRI"), "eeg_on": _("EEG")}
    return [_("The pre-infusion neurology checklist is incomplete (%(items)s): record it, or a physician records "
              "a waiver.") % {"items": ", ".join(str(labels[b]) for b in blockers)}]


def _d0(episode: Episode) -> date | None:
    infusion = episode.milestones.filter(kind=Kind.INFUSION).first()
    return (infusion.actual or infusion.planned) if infusion else None


def _graded(records, when, proposed, d0: date | None) -> list[Graded]:
    """The records from D0 on (the CAR-T toxicities count from the infusion), with their confirmation."""
    graded = []
    for record in records:
        at = when(record)
        if d0 is not None and timezone.localtime(at).date() < d0:
            continue
        confirmation = getattr(record, "grade", None)
        graded.append(Graded(at, proposed(record), confirmation.confirmed if confirmation else None))
    return graded


def _day(record: Graded) -> str:
    return formats.date_format(timezone.localtime(record.at).date(), "SHORT_DATE_FORMAT")


def _reasons(scale: str, records: list[Graded]) -> list[str]:
    reasons = []
    still_open, waiting = unresolved(records), unconfirmed(records)
    if still_open:
        reasons.append(_("%(scale)s grade %(grade)s on %(day)s not resolved") % {
            "scale": SCALE_NAMES[scale], "grade": still_open.grade, "day": _day(still_open)})
    if waiting:
        reasons.append(_("%(scale)s grade %(grade)s proposed on %(day)s, not confirmed by a physician") % {
            "scale": SCALE_NAMES[scale], "grade": waiting.proposed, "day": _day(waiting)})
    return reasons


def discharge_reasons(episode: Episode, step: str) -> list[str]:
    if step != Kind.DISCHARGE:
        return []
    d0 = _d0(episode)
    vitals = _graded(episode.vital_signs.select_related("grade"), lambda v: v.taken_at, lambda v: v.crs_proposed, d0)
    neuro = _graded(episode.neuro_assessments.select_related("grade"), lambda a: a.assessed_at,
                    lambda a: a.icans_proposed, d0)
    return _reasons(GradeRecord.Scale.CRS, vitals) + _reasons(GradeRecord.Scale.ICANS, neuro)
