from django.urls import path

from . import signin, views

app_name = "organisation"
urlpatterns = [
    path("staff/", views.staff, name="staff"),
    path("staff/new/", views.staff_add, name="staff_add"),
    path("staff/training/new/", views.training_add, name="training_add"),
    path("staff/lockouts/", signin.lockouts, name="lockouts"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("profile/tokens/<int:pk>/renew/", views.token_renew, name="token_renew"),
    path("profile/password/", signin.password_change, name="password_change"),
    path("journal/", views.journal, name="journal"),
]
