from django.urls import path

from . import documents, views

app_name = "pathway"
urlpatterns = [
    path("episodes/<int:pk>/", views.episode_detail, name="episode"),
    path("episodes/<int:pk>/plan/", views.episode_plan, name="episode_plan"),
    path("episodes/<int:pk>/plan/preview/", views.episode_plan_preview, name="episode_plan_preview"),
    path("episodes/<int:pk>/next/", views.episode_advance, name="episode_advance"),
    path("episodes/<int:pk>/stop/", views.episode_stop, name="episode_stop"),
    path("milestones/<int:pk>/record/", views.milestone_record, name="milestone_record"),
    path("milestones/<int:pk>/move/", views.milestone_replan, name="milestone_replan"),
    path("episodes/<int:pk>/calendar.ics", documents.episode_ical, name="episode_ical"),
    path("episodes/<int:pk>/plan.pdf", documents.episode_plan_pdf, name="episode_plan_pdf"),
    path("worklist/", views.worklist_view, name="worklist"),
    path("protocols/", views.protocol_list, name="protocols"),
    path("protocols/<int:pk>/edit/", views.protocol_edit, name="protocol_edit"),
]
