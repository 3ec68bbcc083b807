from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatientsConfig(AppConfig):
    name = "cellrelay.patients"
    label = "patients"
    verbose_name = _("Patients")

    def ready(self):
        from cellrelay.organisation import patient_search

        from .search import treated_patient_ids

        patient_search.register(treated_patient_ids)
