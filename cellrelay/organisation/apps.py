from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    name = "cellrelay.organisation"
    label = "organisation"
    verbose_name = _("Organisation")

    def ready(self):
        from axes.signals import user_locked_out

        from .lockout import on_locked_out

        user_locked_out.connect(on_locked_out, dispatch_uid="cellrelay.lockout.journal")
