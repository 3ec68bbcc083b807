from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "cellrelay.followup"
    label = "followup"
    verbose_name = _("Follow-up")

    def ready(self):
        # The pathway (a room below) plans the follow-up at the infusion, draws the visits, shows the calls that
        # need a physician on its worklist and offers the alert card beside the patient's plan, without importing
        # this room.
        from cellrelay.pathway import episode_documents, later_steps, worklist_sections
        from cellrelay.patients import page_sections

        from . import services, steps, views
        from .card_views import episode_links

        later_steps.register_on_infusion(services.plan_follow_up)
        later_steps.register(steps.later_steps)
        worklist_sections.register(views.worklist_section)
        page_sections.register(views.patient_section, place=15)  # after the episodes, before the referrals
        episode_documents.register(views.episode_link)
        episode_documents.register(episode_links)
