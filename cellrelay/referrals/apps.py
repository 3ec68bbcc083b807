from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "cellrelay.referrals"
    label = "referrals"
    verbose_name = _("Referrals and RCP")

    def ready(self):
        from cellrelay.patients import page_sections

        from .views import patient_section

        page_sections.register(patient_section, place=20)  # after the pathway's episodes
