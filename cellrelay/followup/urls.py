from django.urls import path

from . import card_views, views

app_name = "followup"

urlpatterns = [
    path("followup/", views.followup_worklist, name="worklist"),
    path("episodes/<int:pk>/followup/", views.episode_followup, name="episode"),
    path("episodes/<int:pk>/followup/assign/", views.assign_visits, name="assign"),
    path("episodes/<int:pk>/followup/calls/schedule/", views.call_schedule, name="call_schedule"),
    path("episodes/<int:pk>/followup/calls/new/", views.record_call, name="call_new"),
    path("episodes/<int:pk>/followup/<str:finding>/new/", views.record_finding, name="finding"),
    path("episodes/<int:pk>/alert-card.pdf", card_views.alert_card_pdf, name="alert_card"),
    path("visits/<int:pk>/record/", views.record_visit, name="visit_record"),
    path("calls/<int:pk>/acknowledge/", views.acknowledge_call, name="call_acknowledge"),
]
