"""The bags waiting for a place marked from the rule (``pharmacy/waiting.py``): received, in no tank, not dispensed,
of an accepted or quarantined product whose episode is before the infusion; since their last receipt or removal
from a tank (their product's registration without either). A copy of ``waiting.mark_all`` as it is at this
migration, on the models as they are here."""

from django.db import migrations
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

BEFORE_INFUSION = ("manufacturing", "product_received", "admitted", "lymphodepletion")
PLACEABLE = ("accepted", "quarantined")


def mark_waiting_bags(apps, schema_editor):
    Bag = apps.get_model("products", "Bag")
    Product = apps.get_model("products", "Product")
    CustodyEvent = apps.get_model("products", "CustodyEvent")
    rule = Q(status="available", position__isnull=True, product__status__in=PLACEABLE,
             product__episode__state__in=BEFORE_INFUSION)
    since = (CustodyEvent.objects.filter(Q(bag=OuterRef("pk"), action="removed")
                                         | Q(product=OuterRef("product_id"), action="received"))
             .order_by("-at").values("at")[:1])
    registered = Product.objects.filter(pk=OuterRef("product_id")).values("registered_at")
    Bag.objects.filter(pk__in=Bag.objects.filter(rule).values("pk")).update(
        waiting_since=Coalesce(Subquery(since), Subquery(registered)))


class Migration(migrations.Migration):

    dependencies = [
        ("pathway", "0006_milestone_status_kind_planned"),
        ("pharmacy", "0002_cryostorage"),
        ("products", "0011_bag_waiting_for_a_place"),
    ]

    operations = [migrations.RunPython(mark_waiting_bags, migrations.RunPython.noop)]
