from django.urls import path

from . import fhir_views, views

app_name = "registry"

urlpatterns = [
    path("registry/", views.registry_page, name="page"),
    path("registry/exports/", views.exports_page, name="exports"),
    path("registry/episodes/<int:pk>/", views.episode_registry, name="episode"),
    path("registry/episodes/<int:pk>/form.pdf", views.form_pdf, name="form_pdf"),
    path("fhir/metadata", fhir_views.metadata, name="fhir_metadata"),
    path("fhir/$export", fhir_views.system_export, name="fhir_export"),
    path("fhir/Patient/$export", fhir_views.patient_export, name="fhir_patient_export"),
    path("fhir/Group/<str:group_id>/$export", fhir_views.group_export, name="fhir_group_export"),
    path("fhir/Group/<str:group_id>", fhir_views.group, name="fhir_group"),
    path("fhir/exports/<uuid:job_id>", fhir_views.export_status, name="fhir_export_status"),
    path("fhir/exports/<uuid:job_id>/<str:name>", fhir_views.export_file, name="fhir_export_file"),
]
