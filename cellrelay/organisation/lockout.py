"""Sign-in lockouts (django-axes): who is locked out now, the page a locked-out person sees, the journal entry.

Axes counts failed sign-ins per username and per address; five of either lock it for the cool-off
(``AXES_COOLOFF_TIME``) or until an administrator unlocks it on the lockouts page.
"""

from django.conf import settings
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone

from . import services


def client_address(request) -> str:
    """The client's address as axes counts it: the proxy's header when one is configured, else the peer."""
    header = settings.CELLRELAY_CLIENT_IP_HEADER
    if header:
        forwarded = request.headers.get(header, "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


def locked_out_page(request, original_response=None, credentials=None):
    """What a locked-out person sees: a page in their language saying when to try again, not a bare 403."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


def on_locked_out(sender, request, username, ip_address, **kwargs):
    """Journal a lockout once, when the failure that triggers it is counted. Axes sends the same signal again for
    every attempt refused during the lockout: those carry no failure count, and are not new lockouts."""
    if getattr(request, "axes_failures_since_start", None) is None:
        return
    services.record_lockout(username=username or "", address=ip_address or "")


def current_lockouts() -> dict[str, list[dict]]:
    """Usernames and addresses locked now: at least the failure limit counted within the cool-off."""
    from axes.models import AccessAttempt

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(attempt_time__gte=since)
    limit = settings.AXES_FAILURE_LIMIT

    def locked_by(field: str) -> list[dict]:
        rows = (recent.filter(**{f"{field}__isnull": False}).values(field)
                .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
                .filter(failures__gte=limit).order_by("-last"))
        return [{"value": row[field], "failures": row["failures"], "until": row["last"] + settings.AXES_COOLOFF_TIME}
                for row in rows if row[field]]

    return {"usernames": locked_by("username"), "addresses": locked_by("ip_address")}
