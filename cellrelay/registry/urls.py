from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("registry/", views.registry_page, name="page"),
    path("registry/exports/", views.exports_page, name="exports"),
    path("registry/episodes/<int:pk>/", views.episode_registry, name="episode"),
    path("registry/episodes/<int:pk>/form.pdf", views.form_pdf, name="form_pdf"),
]
