from django.db import migrations


def load_defaults(apps, schema_editor):
    """One template per product and indication, from the values in products.md."""
    from cellrelay.pathway.protocols import DEFAULTS, template_fields

    template = apps.get_model("pathway", "ProtocolTemplate")
    # Today's protocol fields, limited to those the table had at this migration (later ones add theirs).
    known = {field.name for field in template._meta.get_fields()}
    for protocol in DEFAULTS:
        fields = {name: value for name, value in template_fields(protocol).items() if name in known}
        template.objects.get_or_create(product=protocol.product, indication=protocol.indication, defaults=fields)


class Migration(migrations.Migration):
    dependencies = [("pathway", "0002_initial")]
    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
