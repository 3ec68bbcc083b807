from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class JournalConfig(AppConfig):
    name = "cellrelay.journal"
    label = "journal"
    verbose_name = _("Journal")

    def ready(self):
        from . import checks as journal_checks

        checks.register(journal_checks.checkpoint_settings)
        checks.register(journal_checks.checkpoints_in_production, checks.Tags.security, deploy=True)
