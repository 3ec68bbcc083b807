from . import views

app_name = "pharmacy"
urlpatterns = views.urlpatterns
