from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PharmacyConfig(AppConfig):
    name = "cellrelay.pharmacy"
    label = "pharmacy"
    verbose_name = _("Pharmacy (PUI)")

    def ready(self):
        # The products' worklist and pages (a room below) show the pharmacy's work without importing this room.
        from cellrelay.products import bag_steps as product_bag_steps
        from cellrelay.products import worklist as product_worklist

        from . import bag_steps, worklist

        product_worklist.register(worklist.tank_alarms, ahead=True)
        product_worklist.register(worklist.bags_to_place_or_dispense)
        product_bag_steps.register_next_steps(bag_steps.next_steps)
        product_bag_steps.register_actions(bag_steps.actions)
