"""Background work of the monitoring room (django-tasks; `manage.py db_worker` runs the queue)."""

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task

TEAMS_ALERTED = ("icu", "neurology")


@task()
def send_alert_email(alert_id: int) -> int:
    """E-mail the ICU and neurology teams about a grade ≥ 2, when e-mail is configured. Returns messages sent.

    The message names no patient: it points to cellrelay, where the reader's access is checked.
    """
    from .models import Alert

    recipients = [address for team in TEAMS_ALERTED for address in settings.CELLRELAY_ALERT_EMAILS.get(team, [])]
    if not settings.EMAIL_HOST or not recipients:
        return 0
    alert = Alert.objects.select_related("episode").get(pk=alert_id)
    subject = f"[cellrelay] {alert.get_scale_display()} grade {alert.grade} — episode {alert.episode_id}"
    body = (f"A {alert.get_scale_display()} grade {alert.grade} was recorded at {alert.raised_at:%Y-%m-%d %H:%M} "
            f"for treatment episode {alert.episode_id}. Open cellrelay: worklist, alerts.")
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
