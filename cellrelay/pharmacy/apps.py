from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PharmacyConfig(AppConfig):
    name = "cellrelay.pharmacy"
    label = "pharmacy"
    verbose_name = _("Pharmacy (PUI)")

    def ready(self):
        # The products' worklist and pages (a room below) show the pharmacy's work without importing this room; an
        # episode leaving the stages before the infusion ends its bags' wait for a place (the pathway's move).
        from cellrelay.pathway import after_move
        from cellrelay.products import bag_steps as product_bag_steps
        from cellrelay.products import worklist as product_worklist

        from . import bag_steps, waiting, worklist

        after_move.register(waiting.episode_moved)

        product_worklist.register(worklist.tank_alarms, ahead=True)
        product_worklist.register(worklist.bags_to_place_or_dispense)
        product_bag_steps.register_next_steps(bag_steps.next_steps)
        product_bag_steps.register_actions(bag_steps.actions)
