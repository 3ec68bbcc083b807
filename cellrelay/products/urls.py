"""Pages of the product's circuit. Each module of views brings its own routes."""

from . import administration_views, collection_views, manufacturing_views, views

app_name = "products"
urlpatterns = (views.urlpatterns + collection_views.urlpatterns + manufacturing_views.urlpatterns
               + administration_views.urlpatterns)
