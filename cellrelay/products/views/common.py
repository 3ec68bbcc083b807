"""What the products' pages (and the pharmacy's dispensing page) share: the objects they reach with what they show
of them, a service call that reports the deviations a hard stop kept, the refusals a service would give said
before the form, and the bag shown at the top of every page about it."""

from django.core.exceptions import ValidationError
from django.utils import formats, timezone

from cellrelay.pathway.models import Episode
from cellrelay.web import run_service

from ..models import Bag, Deviation, Product

# What the pages reach, through its patient (``patients.access.reach``), with what they show of it.
EPISODES = Episode.objects.select_related("patient__treating_center", "template")
PRODUCTS = Product.objects.select_related("episode__patient__treating_center", "episode__template")
# A bag as its pages show it: who dispensed and checked it, where it is stored.
BAGS = Bag.objects.select_related("product__episode__template", "dispensed_by", "bedside_checked_by",
                                  "bedside_second_person", "position__box__rack__tank")


def _last_deviation(episode) -> int:
    return Deviation.objects.filter(episode=episode).order_by("-pk").values_list("pk", flat=True).first() or 0


def run_keeping_deviations(form, episode, call):
    """``run_service``; and the deviations the call recorded (a hard stop keeps its deviation although refused).

    Returns (result or None, the new deviations of the episode).
    """
    since = _last_deviation(episode)
    result = run_service(form, call)
    return result, list(Deviation.objects.filter(episode=episode, pk__gt=since).select_related("actor"))


def refusals_of(check) -> list[str]:
    """The messages of a service's check that would refuse (empty when it would pass)."""
    try:
        check()
    except ValidationError as error:
        return error.messages
    return []


def when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def bag_context(bag: Bag) -> dict:
    """The bag, its product, episode and patient: what the header of a bag's step page shows."""
    return {"bag": bag, "product": bag.product, "episode": bag.product.episode,
            "patient": bag.product.episode.patient}

