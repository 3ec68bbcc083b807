"""What the toxicity alerts ask of each team, for the worklist and the flow sheet. Read-only queries.

A grade ≥ 2 alerts the intensive care and the neurology teams: each sees the alert until *it*
acknowledges it. Acknowledging says "seen", never "confirmed": a proposed grade ≥ 2 that no
physician has confirmed stays flagged ("to confirm") whatever was acknowledged.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from cellrelay.journal.reads import shown
from cellrelay.organisation import access
from cellrelay.organisation.permissions import Action
from cellrelay.pathway import worklist
from cellrelay.pathway.models import Episode
from cellrelay.patients.access import seen_by

from .models import Alert, AlertedTeam, GradeRecord, NeuroAssessment, VitalSigns
from .services import ALERT_FROM_GRADE

# Which action of the permission table acknowledges an alert for which team.
ACKNOWLEDGE_ACTION = {AlertedTeam.ICU: Action.ACKNOWLEDGE_ICU_ALERT,
                      AlertedTeam.NEUROLOGY: Action.ACKNOWLEDGE_NEUROLOGY_ALERT}
# A grade in a word (CTCAE's words for grades 1-5), always shown with its number.
GRADE_WORDS = {0: _("none"), 1: _("mild"), 2: _("moderate"), 3: _("severe"), 4: _("life-threatening"),
               5: _("fatal")}


def grade_word(grade: int | None) -> str:
    return str(GRADE_WORDS.get(grade, ""))


def _alerts(queryset) -> list[Alert]:
    alerts = list(queryset.select_related("episode__patient", "episode__template")
                  .prefetch_related("acknowledgements__acknowledged_by").order_by("-grade", "-raised_at"))
    for alert in alerts:
        alert.word = grade_word(alert.grade)
    return alerts


def open_for(team: str, patients) -> list[Alert]:
    """The alerts of these patients that this team has not acknowledged yet, highest grade first."""
    return _alerts(Alert.objects.filter(seen_by(patients, "episode__patient")).exclude(acknowledgements__team=team))


def open_alerts(patients) -> list[tuple[str, str, list[Alert]]]:
    """For each team with something to see: (team code, team name, the alerts it has not acknowledged)."""
    groups = [(team.value, team.label, open_for(team, patients)) for team in AlertedTeam]
    return [group for group in groups if group[2]]


@dataclass(frozen=True)
class ToConfirm:
    """A proposed grade ≥ 2 that no physician has confirmed yet."""

    episode: Episode
    scale: str  # "crs" or "icans"
    scale_label: str
    grade: int
    observed_at: datetime
    confirm_url: str  # the URL name of its confirmation page
    pk: int

    @property
    def word(self) -> str:
        return grade_word(self.grade)


def grades_to_confirm(scope: Q) -> list[ToConfirm]:
    """Proposed grades ≥ 2 awaiting a physician's confirmation, of the records within ``scope`` (a condition on a
    record: its episode, or its patient checked row by row), newest first."""
    vitals = (VitalSigns.objects.filter(scope, crs_proposed__gte=ALERT_FROM_GRADE, grade__isnull=True)
              .select_related("episode__patient", "episode__template"))
    assessments = (NeuroAssessment.objects.filter(scope, icans_proposed__gte=ALERT_FROM_GRADE, grade__isnull=True)
                   .select_related("episode__patient", "episode__template"))
    crs, icans = GradeRecord.Scale.CRS, GradeRecord.Scale.ICANS
    rows = ([ToConfirm(v.episode, crs.value, crs.label, v.crs_proposed, v.taken_at, "monitoring:vitals_confirm", v.pk)
             for v in vitals]
            + [ToConfirm(a.episode, icans.value, icans.label, a.icans_proposed, a.assessed_at,
                         "monitoring:neuro_confirm", a.pk) for a in assessments])
    return sorted(rows, key=lambda row: row.observed_at, reverse=True)


def team_status(alert: Alert) -> list[tuple[str, str, object]]:
    """Each alerted team with its acknowledgement of this alert (None while that team has not seen it)."""
    seen = {ack.team: ack for ack in alert.acknowledgements.all()}
    return [(team.value, team.label, seen.get(team.value)) for team in AlertedTeam]


def episode_alerts(episode: Episode) -> list[Alert]:
    """The episode's alerts still awaited by at least one team, each with ``teams`` (team_status)."""
    alerts = [alert for alert in _alerts(episode.alerts.all())
              if len(alert.acknowledgements.all()) < len(AlertedTeam)]
    for alert in alerts:
        alert.teams = team_status(alert)
    return alerts


def acknowledging_teams(user, center_id: int) -> set[str]:
    """The teams this user acknowledges alerts for, at this center (from the permission table)."""
    return {team.value for team, action in ACKNOWLEDGE_ACTION.items() if access.can(user, action, center_id)}


# Who sees the alerts in their worklist section: intensive care and neurology their own, the transplant unit
# (ward nurses, haematologists) every alert of its patients, and the grades waiting for a physician.
ALERT_TEAMS = {"icu", "neurology", "unit"}


def _for_team(team: str | None, groups: list) -> list:
    if team is None or not groups:
        return groups
    if team == "unit":  # every open alert of the unit's patients, whichever team has yet to acknowledge it
        alerts = {alert.pk: alert for _code, _label, open_ in groups for alert in open_}
        return [("unit", worklist.TEAMS["unit"], sorted(alerts.values(), key=lambda alert: alert.raised_at))]
    return [group for group in groups if group[0] == team]


def worklist_section(request, patients) -> str:
    """The alerts block of the worklist, or of one team's section (registered in pathway's worklist sections):
    empty when quiet."""
    team = worklist.team_of(request)
    if team is not None and team not in ALERT_TEAMS:
        return ""
    groups = _for_team(team, open_alerts(patients))
    # Row by row: the few records with a proposed grade ≥ 2 (their partial indexes), not every patient's (issue #14).
    to_confirm = grades_to_confirm(Q(seen_by(patients, "episode__patient")))
    if not groups and not to_confirm:
        return ""
    user = request.user
    shown(user, [alert.episode.patient for _team, _label, alerts in groups for alert in alerts]
          + [row.episode.patient for row in to_confirm])
    teams = [(team, label, [(alert, team in acknowledging_teams(user, alert.episode.patient.treating_center_id))
                            for alert in alerts]) for team, label, alerts in groups]
    confirm_centers = set(access.centers_for(user, Action.CONFIRM_GRADE))
    rows = [(row, row.episode.patient.treating_center_id in confirm_centers) for row in to_confirm]
    return render_to_string("monitoring/_alerts.html", {"monitoring_alerts": teams, "to_confirm": rows},
                            request=request)
