"""The pharmacy's steps offered on the products' pages (``products.bag_steps``): place a received bag in a tank,
dispense it for its infusion. Each is offered when the bag is ready for it and the user's role does it at the
patient's center."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cellrelay.organisation import access
from cellrelay.organisation.permissions import Action
from cellrelay.pathway.states import State
from cellrelay.products.models import Bag, Product

from .services import dispensing

Status = Product.Status


def _may(user, action: Action, bag: Bag) -> bool:
    return access.can(user, action, bag.product.episode.patient.treating_center_id)


def next_steps(bag: Bag, user) -> list[tuple[str, str]]:
    """On the product page: place the bag (waiting for a place: received, in no tank, before the infusion;
    ``waiting.py``), and dispense it (accepted, in lymphodepletion, from the planned infusion day)."""
    if bag.status != Bag.Status.AVAILABLE:
        return []
    product, episode = bag.product, bag.product.episode
    steps = []
    if bag.waiting_since is not None and _may(user, Action.MANAGE_STORAGE, bag):
        steps.append((_("Place bag %(number)s in a tank") % {"number": bag.number},
                      reverse("pharmacy:bag_place", args=[bag.pk])))
    if (product.status == Status.ACCEPTED and episode.state == State.LYMPHODEPLETION
            and _may(user, Action.DISPENSE_PRODUCT, bag)
            and dispensing.infusion_day_reached(episode, timezone.localdate())):
        steps.append((_("Dispense bag %(number)s") % {"number": bag.number},
                      reverse("pharmacy:dispense", args=[bag.pk])))
    return steps


def actions(bag: Bag, user) -> list[tuple[str, str]]:
    """On the bag's page: dispense a bag not dispensed yet (its page then says which conditions hold)."""
    if bag.status != Bag.Status.AVAILABLE or not _may(user, Action.DISPENSE_PRODUCT, bag):
        return []
    return [(_("Dispense"), reverse("pharmacy:dispense", args=[bag.pk]))]
