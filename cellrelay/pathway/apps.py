from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PathwayConfig(AppConfig):
    name = "cellrelay.pathway"
    label = "pathway"
    verbose_name = _("Treatment pathway")

    def ready(self):
        from . import worklist

        worklist.register_landings()
