"""The bags waiting for a place in a tank (*poches à ranger*): the one rule of the storage map and the worklist.

A bag waits for a place while it is received and neither in a tank nor dispensed, its product accepted or
quarantined (kept apart, clearly marked), and its episode before the infusion (``BEFORE_INFUSION``): a bag left
over after an infusion, or of a stopped episode, is returned or destroyed, not work for today.

That rule spans the bag, its position, its product and its episode: no index gives its bags in order, and at a
national registry's size every waiting bag was found and sorted for each page (issue #14). So it is kept on the bag,
``Bag.waiting_since`` (since when it waits; None when it does not), and a partial index holds only the bags that
wait, the longest waiting first: a page reads its first rows there and counts up to the cap. The marker changes in
the transaction of every change that starts or ends the wait:

- the receipt sets it, when the episode is before the infusion (``products.services.receipt``);
- placing a bag and dispensing it clear it, removing it from a tank ``keep``s it (set again while the bag waits:
  ``services.storage``, ``services.dispensing``); moving a stored bag leaves it clear;
- the episode leaving the stages before the infusion (infused, stopped) clears it on its bags (``episode_moved``,
  called by the pathway's ``after_move``).

``mark_all`` keeps every bag's marker: the seeding, which writes its rows without the services, calls it, and the
migration that added the column did the same.
"""

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from cellrelay import markers
from cellrelay.patients.access import seen_by
from cellrelay.products.models import Bag, CustodyEvent, Product
from cellrelay.products.worklist import BEFORE_INFUSION

# A received product waits for a place whether accepted or quarantined (kept apart, clearly marked).
PLACEABLE = (Product.Status.ACCEPTED, Product.Status.QUARANTINED)
# The rule, on a bag.
WAITS = Q(status=Bag.Status.AVAILABLE, position__isnull=True, product__status__in=PLACEABLE,
          product__episode__state__in=BEFORE_INFUSION)
# The longest waiting first: the partial index's order (``bag_waiting_for_a_place``).
ORDER = ("waiting_since", "pk")


def waiting_bags(patients: QuerySet) -> QuerySet:
    """The bags waiting for a place of these patients (``patients_for``), the longest waiting first: read from the
    partial index in its order, each bag's patient checked in the scope row by row (``seen_by``)."""
    return (Bag.objects.filter(waiting_since__isnull=False).filter(seen_by(patients, "product__episode__patient"))
            .order_by(*ORDER))


def keep(bags: QuerySet, since) -> int:
    """The marker of these bags made true to the rule, in the caller's transaction: set to ``since`` (a time, or an
    expression of the bag) on those that wait and have none, cleared on those that have one and do not wait. How many
    bags changed."""
    return markers.keep(bags, WAITS, "waiting_since", since)


def episode_moved(episode, before: str, after: str) -> None:
    """From the pathway's ``after_move``, in the move's transaction: an episode leaving the stages before the
    infusion (infused, stopped) has no bag waiting any more; one entering them (an episode has no bag received
    before, in practice) has its bags kept all the same."""
    if (before in BEFORE_INFUSION) != (after in BEFORE_INFUSION):
        keep(Bag.objects.filter(product__episode=episode), since=timezone.now())


def mark_all() -> int:
    """The marker of every bag made true to the rule, for rows written without the services (the seeding): a bag
    that waits, since its last receipt or removal from a tank (its product's registration without either). How many
    bags changed."""
    since = (CustodyEvent.objects.filter(Q(bag=OuterRef("pk"), action=CustodyEvent.Action.REMOVED)
                                         | Q(product=OuterRef("product_id"), action=CustodyEvent.Action.RECEIVED))
             .order_by("-at").values("at")[:1])
    registered = Product.objects.filter(pk=OuterRef("product_id")).values("registered_at")
    return keep(Bag.objects.all(), since=Coalesce(Subquery(since), Subquery(registered)))
