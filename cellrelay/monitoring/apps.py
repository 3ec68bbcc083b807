from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "cellrelay.monitoring"
    label = "monitoring"
    verbose_name = _("Toxicity monitoring")

    def ready(self):
        # The worklist (pathway, a lower room) shows the toxicity alerts without importing this room.
        from cellrelay.pathway import worklist_sections

        from .alerts import worklist_section

        worklist_sections.register(worklist_section)
