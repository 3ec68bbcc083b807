from django.urls import path

from . import views

app_name = "referrals"
urlpatterns = [
    path("referrals/", views.referral_list, name="list"),
    path("referrals/<int:pk>/", views.referral_detail, name="detail"),
    path("referrals/<int:pk>/letter/", views.referral_letter, name="letter"),
    path("patients/<int:pk>/referrals/new/", views.referral_create, name="create"),
    path("rcp/", views.meeting_list, name="meetings"),
    path("rcp/new/", views.meeting_create, name="meeting_create"),
    path("rcp/<int:pk>/", views.meeting_detail, name="meeting"),
    path("rcp/<int:pk>/agenda/", views.agenda_add, name="agenda_add"),
    path("rcp/<int:pk>/decide/<int:referral_pk>/", views.decide, name="decide"),
    path("rcp/<int:pk>/minutes.pdf", views.meeting_minutes, name="minutes"),
]
