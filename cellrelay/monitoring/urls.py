from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("episodes/<int:pk>/monitoring/", views.flow_sheet, name="flow_sheet"),
    path("episodes/<int:pk>/vitals/new/", views.vitals_new, name="vitals_new"),
    path("episodes/<int:pk>/vitals/preview/", views.vitals_preview, name="vitals_preview"),
    path("episodes/<int:pk>/neuro/new/", views.neuro_new, name="neuro_new"),
    path("episodes/<int:pk>/neuro/preview/", views.neuro_preview, name="neuro_preview"),
    path("episodes/<int:pk>/labs/new/", views.labs_new, name="labs_new"),
    path("episodes/<int:pk>/treatments/new/", views.treatment_new, name="treatment_new"),
    path("episodes/<int:pk>/icu/new/", views.icu_transfer, name="icu_transfer"),
    path("episodes/<int:pk>/adverse-events/new/", views.adverse_event_new, name="adverse_event_new"),
    path("episodes/<int:pk>/checklist/", views.checklist, name="checklist"),
    path("episodes/<int:pk>/checklist/waive/", views.checklist_waive, name="checklist_waive"),
    path("episodes/<int:pk>/reserve/", views.reserve, name="reserve"),
    path("vitals/<int:pk>/confirm/", views.vitals_confirm, name="vitals_confirm"),
    path("neuro/<int:pk>/confirm/", views.neuro_confirm, name="neuro_confirm"),
    path("icu/<int:pk>/return/", views.icu_return, name="icu_return"),
    path("alerts/<int:pk>/acknowledge/icu/", views.alert_acknowledge_icu, name="alert_acknowledge_icu"),
    path("alerts/<int:pk>/acknowledge/neurology/", views.alert_acknowledge_neurology,
         name="alert_acknowledge_neurology"),
]
