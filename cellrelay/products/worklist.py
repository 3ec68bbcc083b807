"""What the product's circuit waits for, by team: cells to ship, products arriving, bags to place, dispense, thaw
and infuse, and the tanks' open alarms. Read-only queries; the worklist page shows them above the schedule.

The pharmacy's own work (its tanks' alarms, the bags to place and to dispense) belongs to the pharmacy, a room
above this one: it adds its items from its ``AppConfig.ready`` with ``register`` (``pharmacy/worklist.py``).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import F
from django.utils.translation import gettext as _

from cellrelay import bounded
from cellrelay.bounded import Bounded
from cellrelay.indexed_lookups import EqualsConstant
from cellrelay.organisation.permissions import Action
from cellrelay.pathway.states import FINAL, State
from cellrelay.patients.access import seen_by
from cellrelay.web import url_for_each

from . import to_ship
from .models import Bag, Collection, Product

Status = Product.Status
# A bag waits in the tank from the receipt to the dispensing; a quarantined product's episode is still at
# “Manufacturing”. After the infusion, a bag left over is returned or destroyed, not stored.
BEFORE_INFUSION = (State.MANUFACTURING, State.PRODUCT_RECEIVED, State.ADMITTED, State.LYMPHODEPLETION)
TEAMS = ("apheresis", "pharmacy", "unit")  # the circuit's order: the cells go out, come back, are given
# What a team must do now, not the registry's backlog (issue 14): each kind of item shows its first CAP, oldest first,
# and its query reads one row more, to say that the list goes on. Twenty, as the steps' sections (pathway.worklist).
CAP = 20


@dataclass
class Item:
    label: str
    url: str
    action: Action  # what the page at ``url`` requires: the worklist links it only for who may
    episode: object = None  # None for a tank's alarm
    urgent: bool = False
    # Set for the page (worklist_section): whether the user may follow ``url``, the episode's product and link.
    allowed: bool = False
    product: str = ""
    patient_url: str = ""


# (patients, storage_center_ids) -> [(team code, items, whether that kind goes on beyond them)]: the patients the
# user sees, and the centers whose storage they manage (whose tanks' alarms they answer).
Contributor = Callable[..., list[tuple[str, list[Item], bool]]]

_contributors: list[tuple[bool, Contributor]] = []


def register(contributor: Contributor, *, ahead: bool = False) -> None:
    """Add a room's items to the circuit's teams: after this room's own items, or ``ahead`` of them (what must be
    seen first, such as a tank's alarm)."""
    if all(registered is not contributor for _ahead, registered in _contributors):  # ready() may run twice
        _contributors.append((ahead, contributor))


def still_open(queryset, path: str):
    """The rows whose episode (reached through ``path``, e.g. ``"product__"``) is not closed."""
    return queryset.exclude(**{f"{path}episode__state__in": FINAL})


def first(queryset, *order: str) -> Bounded:
    """A kind of item's rows as the worklist reads them: the oldest first (by primary key, or ``order`` when an index
    gives the rows in that order), CAP of them, and whether it goes on (read with one row more, not counted)."""
    return bounded.first(queryset.order_by(*(order or ("pk",))), CAP, cap=CAP)


def _collections_to_ship(patients) -> tuple[list[Item], bool]:
    # The collections whose cells wait to leave (``to_ship.py``), from their partial index, the longest waiting first,
    # each checked against the scope row by row (seen_by).
    collections = first(to_ship.waiting(Collection.objects.filter(seen_by(patients, "episode__patient")))
                        .select_related("episode__patient", "episode__template"), *to_ship.ORDER)
    ship_url = url_for_each("products:shipment_out_new")
    return [Item(_("Ship the collected cells (DIN %(din)s) to the manufacturer") % {"din": c.din}, ship_url(c.pk),
                 Action.RECORD_SHIPMENT, c.episode)
            for c in collections.rows], collections.more


def _products_arriving(patients) -> tuple[tuple[list[Item], bool], tuple[list[Item], bool]]:
    """Products to receive, and quarantined products waiting for the pharmacist's decision."""
    # Row by row (seen_by), as their siblings: from the products' (episode, status) rows, not every patient's.
    products = (still_open(Product.objects.filter(seen_by(patients, "episode__patient")), "")
                .select_related("episode__patient", "episode__template"))
    to_receive = first(products.filter(status__in=(Status.RELEASED, Status.SHIPPED)))
    to_decide = first(products.filter(status=Status.QUARANTINED))
    receive_url, release_url = url_for_each("products:receive"), url_for_each("products:quarantine_release")
    return ([Item(_("Receive the product (%(manufacturer)s)") % {"manufacturer": product.manufacturer},
                  receive_url(product.pk), Action.RECEIVE_PRODUCT, product.episode)
             for product in to_receive.rows], to_receive.more), \
        ([Item(_("Quarantined product: decide"), release_url(product.pk),
               Action.RELEASE_PRODUCT, product.episode, urgent=True) for product in to_decide.rows], to_decide.more)


def _bags_out(patients) -> tuple[list[Item], bool]:
    """Dispensed bags not yet infused nor returned: the unit thaws, checks and infuses them."""
    # The few in the ward, from their partial index (Bag.Meta), in its order: its condition written as constants,
    # without which SQLite reads every bag ever dispensed (issue #14).
    bags = first(Bag.objects.filter(seen_by(patients, "product__episode__patient"),
                                    EqualsConstant(F("status"), Bag.Status.DISPENSED.value),
                                    EqualsConstant(F("disposal"), ""), infusion_ended_at__isnull=True)
                 .select_related("product__episode__patient", "product__episode__template"), "product_id", "pk")
    bag_url = url_for_each("products:bag")
    return [Item((_("Bag %(number)s thawing: check and infuse") if bag.thaw_started_at else
                  _("Bag %(number)s dispensed: thaw, bedside check, infusion")) % {"number": bag.number},
                 bag_url(bag.pk), Action.VIEW_PATIENT, bag.product.episode,
                 urgent=bag.thaw_started_at is not None) for bag in bags.rows], bags.more


def _own(patients, _storage_center_ids) -> list[tuple[str, list[Item], bool]]:
    to_receive, to_decide = _products_arriving(patients)
    return [("apheresis", *_collections_to_ship(patients)), ("pharmacy", *to_receive), ("pharmacy", *to_decide),
            ("unit", *_bags_out(patients))]


def build(patients, storage_center_ids) -> list[tuple[str, list[Item], bool]]:
    """(team code, items, whether some kind goes on beyond CAP) for the teams with something to do; the alarms of
    the tanks at these centers. A contributor gives each kind of item as its own (team, items, more), read with
    ``first``."""
    contributors = ([c for ahead, c in _contributors if ahead] + [_own]
                    + [c for ahead, c in _contributors if not ahead])
    teams: dict[str, list[Item]] = {team: [] for team in TEAMS}
    more: set[str] = set()
    for contribute in contributors:
        for team, items, goes_on in contribute(patients, storage_center_ids):
            if goes_on:
                more.add(team)
            teams.setdefault(team, []).extend(items)
    return [(team, items, team in more) for team, items in teams.items() if items]
