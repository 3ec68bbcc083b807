import datetime

from django.db import migrations, models

import cellrelay.organisation.models


def expire_existing_tokens(apps, schema_editor):
    """Tokens issued before expiry existed get the default lifetime from their creation (an old one is expired)."""
    ApiToken = apps.get_model("organisation", "ApiToken")
    for token in ApiToken.objects.filter(expires_at__isnull=True):
        token.expires_at = token.created_at + datetime.timedelta(days=90)
        token.save(update_fields=["expires_at"])


class Migration(migrations.Migration):

    dependencies = [
        ("organisation", "0003_center_emergency_phone"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="expires"),
        ),
        migrations.RunPython(expire_existing_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(default=cellrelay.organisation.models.token_expiry, verbose_name="expires"),
        ),
    ]
