from django.db import migrations

GENESIS_HASH = "0" * 64


def create_head(apps, schema_editor):
    apps.get_model("journal", "JournalHead").objects.get_or_create(pk=1, defaults={"last_id": 0, "last_hash": GENESIS_HASH})


class Migration(migrations.Migration):
    dependencies = [("journal", "0002_initial")]
    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
