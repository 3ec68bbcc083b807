from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "cellrelay.monitoring"
    label = "monitoring"
    verbose_name = _("Toxicity monitoring")

    def ready(self):
        # The pathway (a room below) asks these before recording an infusion or a discharge, and shows the alerts.
        from cellrelay.pathway import step_checks as pathway_checks
        from cellrelay.pathway import worklist_sections

        from . import step_checks
        from .alerts import worklist_section

        pathway_checks.register_refusing(step_checks.infusion_refusals)
        pathway_checks.register_to_confirm(step_checks.discharge_reasons)

        # The worklist (pathway, a lower room) shows the toxicity alerts without importing this room.
        worklist_sections.register(worklist_section)
