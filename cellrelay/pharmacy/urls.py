"""Every page of the pharmacy room. The dispensing keeps its place beside the bag's other steps (``/bags/…``)."""

from django.urls import path

from .views import dispensing, storage

app_name = "pharmacy"
urlpatterns = [
    # Cryostorage
    path("pharmacy/storage/", storage.storage_map, name="storage"),
    path("pharmacy/tanks/new/", storage.tank_new, name="tank_new"),
    path("pharmacy/tanks/<int:pk>/", storage.tank, name="tank"),
    path("pharmacy/tanks/<int:pk>/readings/new/", storage.tank_reading, name="tank_reading"),
    path("pharmacy/alarms/<int:pk>/acknowledge/", storage.alarm_acknowledge, name="alarm_acknowledge"),
    path("pharmacy/bags/<int:pk>/place/", storage.bag_place, name="bag_place"),
    path("pharmacy/bags/<int:pk>/move/", storage.bag_move, name="bag_move"),
    path("pharmacy/bags/<int:pk>/remove/", storage.bag_remove, name="bag_remove"),
    # Dispensing
    path("bags/<int:pk>/dispense/", dispensing.dispense, name="dispense"),
]
