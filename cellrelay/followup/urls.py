from django.urls import path

from . import card_views

app_name = "followup"
urlpatterns = [
    path("episodes/<int:pk>/alert-card.pdf", card_views.alert_card_pdf, name="alert_card"),
]
