from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "cellrelay.registry"
    label = "registry"
    verbose_name = _("Registry reporting")

    def ready(self):
        # The patient's page (a room below) shows the registry status without importing this room.
        from cellrelay.patients import page_sections

        from . import views

        page_sections.register(views.patient_section, place=40)
