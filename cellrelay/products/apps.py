from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductsConfig(AppConfig):
    name = "cellrelay.products"
    label = "products"
    verbose_name = _("Chain of identity and custody")

    def ready(self):
        # The worklist (pathway, a room below) shows the product circuit without importing this room.
        from cellrelay.pathway import worklist_sections

        from .worklist_section import worklist_section

        worklist_sections.register(worklist_section)
