from django.db import migrations


def load_defaults(apps, schema_editor):
    """One template per product and indication, from the values in products.md."""
    from cellrelay.pathway.protocols import DEFAULTS, template_fields

    template = apps.get_model("pathway", "ProtocolTemplate")
    for protocol in DEFAULTS:
        template.objects.get_or_create(product=protocol.product, indication=protocol.indication,
                                       defaults=template_fields(protocol))


class Migration(migrations.Migration):
    dependencies = [("pathway", "0002_initial")]
    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
