"""The chain of identity and custody of one episode, from vein to vein: read-only, for the product page and its
PDF export. Nothing here writes.

One episode may have several collections and products (a manufacturing failure, then a new collection); the
chain shows them all, and every custody event of any of them in time order.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from cellrelay.pathway.models import Episode
from cellrelay.patients.models import LocalId

from .models import Bag, Collection, CustodyEvent, Deviation, Product, Shipment


@dataclass
class ProductLink:
    product: Product
    identifiers: list
    shipments: list[Shipment]
    bags: list[Bag]


@dataclass
class Chain:
    episode: Episode
    ipp: str
    collections: list[Collection] = field(default_factory=list)
    shipments_out: dict[int, list[Shipment]] = field(default_factory=dict)  # by collection id
    products: list[ProductLink] = field(default_factory=list)
    events: list[CustodyEvent] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)

    @property
    def live_product(self) -> Product | None:
        """The product that counts now: the latest one that did not fail."""
        live = [link.product for link in self.products if link.product.status != Product.Status.FAILED]
        return live[-1] if live else None


def _bags(product: Product) -> list[Bag]:
    # The bag's storage place is the reverse one-to-one ``position``: select it, with its box, rack and tank.
    return list(product.bags.select_related("position__box__rack__tank", "dispensed_by", "bedside_checked_by",
                                            "bedside_second_person"))


def chain_of(episode: Episode) -> Chain:
    patient = episode.patient
    local = LocalId.objects.filter(patient=patient, center_id=patient.treating_center_id).first()
    chain = Chain(episode=episode, ipp=local.ipp if local else "")
    chain.collections = list(episode.collections.select_related("operator"))
    for shipment in Shipment.objects.filter(collection__episode=episode).order_by("departed_at", "pk"):
        chain.shipments_out.setdefault(shipment.collection_id, []).append(shipment)
    for collection in chain.collections:
        collection.shipments_out = chain.shipments_out.get(collection.pk, [])
    for product in episode.products.all():
        chain.products.append(ProductLink(
            product=product, identifiers=list(product.identifiers.all()),
            shipments=list(product.shipments.order_by("departed_at", "pk")), bags=_bags(product)))
    # By the ids already in hand: two indexed columns ORed, not a join through both tables (which scanned every
    # custody event of the site for a handful).
    collection_ids = [collection.pk for collection in chain.collections]
    product_ids = [link.product.pk for link in chain.products]
    chain.events = list(CustodyEvent.objects.filter(Q(collection_id__in=collection_ids) | Q(product_id__in=product_ids))
                        .select_related("actor", "second_person", "bag", "collection", "product")
                        .order_by("at", "pk"))
    # ``other_product`` (another patient's product, for the investigation) is never shown: not selected here.
    chain.deviations = list(episode.deviations.select_related("actor", "product", "released_by").order_by("at", "pk"))
    return chain


def subject(event: CustodyEvent) -> str:
    """What the event handled, language-neutral: the collection's DIN, the product, the bag."""
    if event.bag_id:
        return f"#{event.product_id} / {event.bag.number}"
    if event.product_id:
        return f"#{event.product_id}"
    return f"DIN {event.collection.din}" if event.collection_id else ""
