"""The product arrives at the center: the two-person receipt at the pharmacy, and the pharmacist's release from
quarantine of a product received with deviations.

The receipt is a two-person verification: a scan that does not belong to the product is a hard stop whose
deviation is kept although the receipt is refused.
"""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cellrelay.organisation.permissions import Action as PermissionAction
from cellrelay.pathway import services as pathway_services
from cellrelay.pathway.states import State
from cellrelay.validation import refuse_future_time

from ..custody import (Action, Scan, Signature, expected_identifiers, journal, journal_signature, read_scan,
                       record_identity_deviations, sign, sign_with_second_person)
from ..models import Bag, CustodyEvent, Deviation, Identifier, Product
from ..worklist import BEFORE_INFUSION

Status = Product.Status

# Meanings of the electronic signatures (regulation.md), stored in English, shown translated.
RECEIVED = gettext_noop("received")
RELEASED_FROM_QUARANTINE = gettext_noop("released from quarantine")

RECEIVABLE = (Status.RELEASED, Status.SHIPPED)
MAX_BAGS = 20  # products.md: one to a few bags per product; more is a typing error


def receive_product(*, actor, actor_password: str, second_person, second_password: str, product: Product,
                    scanned: list[str],
                    seal_intact: bool, shipper_temperature_c: Decimal, documents_ok: bool,
                    bag_count: int, bag_expiry: datetime, place: str = "",
                    received_at: datetime | None = None) -> Product:
    """Two-person verification of the product arriving at the center.

    Refused, nothing written: the same person twice, a second person who is not of the pharmacy of the
    patient's treating center (``RECEIVE_PRODUCT`` in the permission table), a wrong password, an unreadable scan,
    a product not released. Hard stop: a scan that is not an identifier of this product; its deviation is committed
    first (on its own transaction), then the receipt is refused. So call this outside any enclosing
    transaction that a ValidationError rolls back (no ATOMIC_REQUESTS), or the deviation is lost with it.
    Otherwise the product is accepted, or quarantined with a deviation for a temperature above the
    product's storage limit, a broken seal or missing documents; only an accepted product moves the
    episode to “Product received”. The bags counted in the shipper are registered, numbered 1…n, with the
    expiry printed on their labels; an expired product is refused. ``received_at`` (default now, never in the
    future) is for recording an episode already under way.
    """
    received_at = received_at or timezone.now()
    refuse_future_time("received_at", received_at)
    product = Product.objects.select_related("episode__patient", "episode__template").get(pk=product.pk)
    reception, verification = sign_with_second_person(
        actor=actor, actor_password=actor_password, meaning=RECEIVED, second_person=second_person,
        second_password=second_password,
        same_person=_("A second person verifies the receipt: it cannot be the person receiving the product."),
        verifies=PermissionAction.RECEIVE_PRODUCT, center_id=product.episode.patient.treating_center_id)
    if not scanned:
        raise ValidationError({"scanned": _("Scan the identifiers on the product's labels.")})
    if shipper_temperature_c is None:
        raise ValidationError({"shipper_temperature_c": _("Give the dry shipper's temperature.")})
    _check_bags(bag_count, bag_expiry, received_at)
    scans = [read_scan(raw) for raw in scanned]
    own = set(product.identifiers.values_list("scheme", "value"))
    mismatches = []
    for scan in scans:
        if (scan.scheme, scan.value) not in own:
            other = Identifier.objects.filter(scheme=scan.scheme, value=scan.value).select_related("product").first()
            mismatches.append((scan, other.product if other else None))
    if mismatches:
        record_identity_deviations(actor=actor, product=product, mismatches=mismatches)
        raise ValidationError({"scanned": [
            (_("HARD STOP — %(scanned)s belongs to another patient's product. Expected: %(expected)s. Do not "
               "accept the product; the deviation is recorded.") if other else
             _("HARD STOP — %(scanned)s is not an identifier of this product. Expected: %(expected)s. Do not "
               "accept the product; the deviation is recorded.")) % {
                "scanned": scan.raw, "expected": expected_identifiers(product)}
            for scan, other in mismatches]})
    return _accept_receipt(actor=actor, reception=reception, verification=verification, product=product, scans=scans,
                           seal_intact=seal_intact, temperature_c=Decimal(shipper_temperature_c),
                           documents_ok=documents_ok, bags=(bag_count, bag_expiry), place=place, at=received_at)


def _check_bags(count, expiry, received_at: datetime) -> None:
    if not isinstance(count, int) or not 1 <= count <= MAX_BAGS:
        raise ValidationError({"bag_count": _("Count the bags in the shipper: between 1 and %(max)s.") % {
            "max": MAX_BAGS}})
    if expiry is None:
        raise ValidationError({"bag_expiry": _("Give the expiry printed on the bags' labels.")})
    if expiry <= received_at:
        raise ValidationError({"bag_expiry": _("The bags expired on %(expiry)s: an expired product is not "
                                               "accepted.") % {
                                                   "expiry": formats.date_format(timezone.localtime(expiry),
                                                                                 "DATETIME_FORMAT")}})


@transaction.atomic
def _accept_receipt(*, actor, reception: Signature, verification: Signature, product: Product, scans: list[Scan],
                    seal_intact: bool, temperature_c: Decimal, documents_ok: bool, bags: tuple[int, datetime],
                    place: str, at: datetime) -> Product:
    product = Product.objects.select_for_update().select_related("episode__patient", "episode__template").get(
        pk=product.pk)
    if product.status not in RECEIVABLE:
        raise ValidationError({"product": _("This product is “%(status)s”: only a released or shipped product is "
                                            "received.") % {"status": product.get_status_display()}})
    episode = product.episode
    limit = episode.template.storage_max_c
    problems = []  # (kind, expected, found): the seal's and the documents' words are models.RECEIPT_FINDINGS
    if limit is not None and temperature_c > limit:
        problems.append((Deviation.Kind.TEMPERATURE_EXCURSION, f"≤ {limit} °C", f"{temperature_c} °C"))
    if not seal_intact:
        problems.append((Deviation.Kind.SEAL_BROKEN, "intact", "not intact"))
    if not documents_ok:
        problems.append((Deviation.Kind.DOCUMENTS, "complete", "missing or wrong"))
    before = {"status": product.status}
    product.status = Status.QUARANTINED if problems else Status.ACCEPTED
    product.save(update_fields=["status"])
    count, expiry = bags
    # Received before the infusion, the bags wait for a place in a tank (the pharmacy's rule: pharmacy/waiting.py).
    waiting_since = at if episode.state in BEFORE_INFUSION else None
    Bag.objects.bulk_create([Bag(product=product, number=n, expiry=expiry, waiting_since=waiting_since)
                             for n in range(1, count + 1)])
    event = CustodyEvent.objects.create(
        product=product, action=CustodyEvent.Action.RECEIVED, actor=actor, second_person=verification.user,
        place=place, scanned=[scan.raw for scan in scans], temperature_c=temperature_c, meaning=RECEIVED,
        second_meaning=verification.meaning, at=at)
    journal_signature(reception, episode, event)
    journal_signature(verification, episode, event)
    for kind, expected, found in problems:
        deviation = Deviation.objects.create(episode=episode, product=product, kind=kind, expected=expected,
                                             scanned=found, actor=actor, at=at)
        journal(Action.DEVIATION_RECORDED, episode, deviation, actor=actor,
                after={"kind": kind, "expected": expected, "scanned": found})
    journal(Action.PRODUCT_RECEIVED, episode, product, actor=actor, before=before, after={
        "status": product.status, "verified_by": verification.user.get_username(),
        "temperature_c": temperature_c, "storage_max_c": limit, "seal_intact": seal_intact,
        "documents_ok": documents_ok, "scanned": [scan.raw for scan in scans], "bags": count, "bag_expiry": expiry})
    if product.status == Status.ACCEPTED and episode.state == State.MANUFACTURING:
        pathway_services.advance(actor=actor, episode=episode, target=State.PRODUCT_RECEIVED,
                                 on=timezone.localdate(at), expected_version=None)
    return product


# Quarantine ---------------------------------------------------------------------------------------------

@transaction.atomic
def release_from_quarantine(*, actor, actor_password: str, product: Product, reason: str) -> Product:
    """The pharmacist responsible decides, after investigating the receipt's deviations, that the product may be
    used: it becomes accepted, signed with the reason; the episode moves to “Product received”.

    The other outcome (the product is not usable) is a stop of the episode; the product stays quarantined.
    """
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say what was checked and why the product may be used.")})
    signature = sign(user=actor, password=actor_password, meaning=RELEASED_FROM_QUARANTINE, field="actor_password")
    product = Product.objects.select_for_update().select_related("episode__patient").get(pk=product.pk)
    if product.status != Status.QUARANTINED:
        raise ValidationError({"product": _("This product is “%(status)s”: only a quarantined product is released "
                                            "from quarantine.") % {"status": product.get_status_display()}})
    product.status = Status.ACCEPTED
    product.save(update_fields=["status"])
    episode = product.episode
    journal_signature(signature, episode, product)
    journal(Action.QUARANTINE_RELEASED, episode, product, actor=actor, before={"status": Status.QUARANTINED},
            after={"status": product.status, "reason": reason.strip()})
    if episode.state == State.MANUFACTURING:
        pathway_services.advance(actor=actor, episode=episode, target=State.PRODUCT_RECEIVED,
                                 on=timezone.localdate(), expected_version=None)
    return product
