"""The collected cells waiting to be shipped marked on the collection (``products/to_ship.py``), and filled from the
rule as it is at this migration: no shipment out of the collection, its episode collected or in manufacturing."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Exists, F, OuterRef, Q

SHIPPING = ("collected", "manufacturing")


def mark_collections_to_ship(apps, schema_editor):
    Collection = apps.get_model("products", "Collection")
    Shipment = apps.get_model("products", "Shipment")
    rule = Q(episode__state__in=SHIPPING) & ~Q(Exists(Shipment.objects.filter(collection=OuterRef("pk"))))
    Collection.objects.filter(pk__in=Collection.objects.filter(rule).values("pk")).update(
        to_ship_since=F("collected_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('pathway', '0007_milestone_indexes_end_with_id'),
        ('products', '0011_bag_waiting_for_a_place'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='collection',
            name='to_ship_since',
            field=models.DateTimeField(blank=True, null=True, verbose_name='waiting to be shipped since'),
        ),
        migrations.AddIndex(
            model_name='collection',
            index=models.Index(condition=models.Q(('to_ship_since__isnull', False)), fields=['to_ship_since', 'id'],
                               name='collection_to_ship'),
        ),
        migrations.RunPython(mark_collections_to_ship, migrations.RunPython.noop),
    ]
