"""The toxicity alerts' block of the worklist, registered in pathway's worklist sections (the worklist is a room
below: it shows this block without importing monitoring)."""

from django.template.loader import render_to_string

from cellrelay.pathway import worklist

from .views import open_alerts


def for_team(team: str | None, alerts: list) -> list:
    """The alerts a team's section shows: the ICU's, neurology's, and the transplant unit's own patients'."""
    if team is None or not alerts:
        return alerts
    if team == "unit":
        return [("unit", worklist.TEAMS["unit"], alerts[0][2])]
    return [entry for entry in alerts if entry[0] == team]


def worklist_section(request, patients) -> str:
    """The open alerts of these patients for the team the worklist shows; empty when quiet."""
    alerts = for_team(worklist.team_of(request), open_alerts(patients))
    if not alerts:
        return ""
    return render_to_string("monitoring/_alerts.html", {"monitoring_alerts": alerts}, request=request)
