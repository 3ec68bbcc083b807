from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "cellrelay.followup"
    label = "followup"
    verbose_name = _("Follow-up")

    def ready(self):
        # The episode page (pathway, a room below) offers the alert card beside the patient's plan.
        from cellrelay.pathway import episode_documents

        from .card_views import episode_links

        episode_documents.register(episode_links)
