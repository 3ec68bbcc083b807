from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductsConfig(AppConfig):
    name = "cellrelay.products"
    label = "products"
    verbose_name = _("Chain of identity and custody")

    def ready(self):
        # The worklist (pathway, a room below) shows the product circuit without importing this room; an episode
        # entering or leaving the stages where its cells leave keeps its collections' marker true (the pathway's move).
        from cellrelay.pathway import after_move, worklist_sections

        from . import to_ship
        from .worklist_section import worklist_section

        worklist_sections.register(worklist_section)
        after_move.register(to_ship.episode_moved)
