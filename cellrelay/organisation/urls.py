from django.urls import path

from . import views

app_name = "organisation"
urlpatterns = [
    path("staff/", views.staff, name="staff"),
    path("staff/new/", views.staff_add, name="staff_add"),
    path("staff/training/new/", views.training_add, name="training_add"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("journal/", views.journal, name="journal"),
]
