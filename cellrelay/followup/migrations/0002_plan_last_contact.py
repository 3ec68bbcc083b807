"""FollowUpPlan.last_contact and visits_left, filled from the visits and calls already recorded.

The worklist's "at risk of being lost to follow-up" then reads one index range instead of grouping every plan's visits
and calls (108 s at 4,000 patients on SQLite)."""

from django.db import migrations, models
from django.db.models import Max
from django.utils import timezone

BATCH = 2000


def fill_last_contact(apps, schema_editor):
    """One aggregate over the visits, one over the calls, then the plans updated in batches: no query per plan."""
    FollowUpPlan, Visit, Call = (apps.get_model("followup", name) for name in ("FollowUpPlan", "Visit", "Call"))
    last_visit = dict(Visit.objects.filter(status="done").values("plan").annotate(last=Max("done_on"))
                      .values_list("plan", "last"))
    last_call = dict(Call.objects.filter(status="done").values("plan").annotate(last=Max("made_at"))
                     .values_list("plan", "last"))
    with_visits_left = set(Visit.objects.filter(status="planned").values_list("plan", flat=True).distinct())
    plans = list(FollowUpPlan.objects.only("pk", "d0"))
    for plan in plans:
        call = last_call.get(plan.pk)
        days = [plan.d0, last_visit.get(plan.pk), call and timezone.localdate(call)]
        plan.last_contact = max(day for day in days if day)
        plan.visits_left = plan.pk in with_visits_left
    FollowUpPlan.objects.bulk_update(plans, ["last_contact", "visits_left"], batch_size=BATCH)


class Migration(migrations.Migration):

    dependencies = [
        ("followup", "0001_follow_up"),
    ]

    operations = [
        migrations.AddField(
            model_name="followupplan",
            name="last_contact",
            field=models.DateField(null=True, verbose_name="last contact"),
        ),
        migrations.AddField(
            model_name="followupplan",
            name="visits_left",
            field=models.BooleanField(default=True, verbose_name="visits still planned"),
        ),
        migrations.RunPython(fill_last_contact, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="followupplan",
            name="last_contact",
            field=models.DateField(verbose_name="last contact"),
        ),
        migrations.AddIndex(
            model_name="followupplan",
            index=models.Index(fields=["last_contact"], condition=models.Q(visits_left=True),
                               name="plan_followed_last_contact"),
        ),
    ]
