"""What the product's form pages share: the object, scoped through its episode's patient (404 when the user may
not see the patient, 403 without the action at its center), and the read of the patient journaled, since every
one of these pages shows who the patient is."""

from django.shortcuts import get_object_or_404

from cellrelay.pathway.models import Episode
from cellrelay.patients.access import reach
from cellrelay.patients.models import Patient

from .models import Product


def read_patient(user, patient_id: int, action) -> None:
    reach(user, Patient, patient_id, action, patient="")


def episode_for(user, pk, action) -> Episode:
    episode = get_object_or_404(Episode.objects.select_related("patient__treating_center", "template"), pk=pk)
    read_patient(user, episode.patient_id, action)
    return episode


def product_for(user, pk, action) -> Product:
    product = get_object_or_404(
        Product.objects.select_related("episode__patient__treating_center", "episode__template"), pk=pk)
    read_patient(user, product.episode.patient_id, action)
    return product
