"""The collected cells waiting to leave for the manufacturer (“Ship the collected cells”): the one rule of the
worklist and the product's chain page, kept on the collection as a marker that an index serves in order.

A collection waits to be shipped while no shipment has taken it out and its episode is collected or in
manufacturing (``SHIPPING``: later the cells had left; a stopped episode's cells do not leave). Found from that rule,
the worklist read every collection of every episode at those stages (2,281 at 100,000 episodes, nearly all shipped)
for the few waiting (issue #14). So the rule is kept on the collection, ``Collection.to_ship_since`` (its collection
time while it waits; None otherwise), with a partial index holding only those that wait, the longest waiting first.
It changes in the transaction of every change that starts or ends the wait:

- the collection sets it (``services.collection``), its shipment out clears it (``services.shipping``);
- the episode entering or leaving those stages (stopped, or past manufacturing) keeps it true (``episode_moved``,
  called by the pathway's ``after_move``).

``mark_all`` computes it from the rule for rows written without the services (the seeding, the migration).
"""

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from cellrelay import markers
from cellrelay.pathway.states import State

from .models import Collection, Shipment

SHIPPING = (State.COLLECTED, State.MANUFACTURING)
# The rule itself: no shipment out of the collection, its episode at a stage where the cells may still leave.
TO_SHIP = Q(episode__state__in=SHIPPING) & ~Q(Exists(Shipment.objects.filter(collection=OuterRef("pk"))))
# The longest waiting first: the partial index's order (``collection_to_ship``).
ORDER = ("to_ship_since", "pk")


def waiting(collections: QuerySet) -> QuerySet:
    """Those of ``collections`` whose cells wait to be shipped, the longest waiting first, from the partial index."""
    return collections.filter(to_ship_since__isnull=False).order_by(*ORDER)


def keep(collections: QuerySet) -> int:
    """The marker of these collections made true to the rule, in the caller's transaction: set to the collection's
    time on those that wait and have none, cleared on those that have one and do not wait. How many changed."""
    return markers.keep(collections, TO_SHIP, "to_ship_since", F("collected_at"))


def episode_moved(episode, before: str, after: str) -> None:
    """From the pathway's ``after_move``, in the move's transaction: an episode entering or leaving the stages where
    its cells may leave has its collections' markers kept true."""
    if (before in SHIPPING) != (after in SHIPPING):
        keep(Collection.objects.filter(episode=episode))


def mark_all() -> int:
    """The marker computed from the rule for every collection: for rows written without the services."""
    return keep(Collection.objects.all())
