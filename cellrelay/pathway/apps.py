from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PathwayConfig(AppConfig):
    name = "cellrelay.pathway"
    label = "pathway"
    verbose_name = _("Treatment pathway")

    def ready(self):
        from cellrelay.patients import page_sections
        from cellrelay.referrals import on_approval

        from . import services, views, worklist

        worklist.register_landings()
        page_sections.register(views.patient_section, place=10)  # the episodes first, then the referrals
        # An approving RCP decision (referrals, a room below) opens the treatment episode.
        on_approval.register(check=services.template_for, follow=services.open_episode)
