"""Every change to the chain of identity and custody: collection, product, manufacturing, receipt.

Each handover is verified, signed and journaled. The receipt is a two-person verification: a scan that
does not belong to the product is a hard stop whose deviation is kept although the receipt is refused.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import record_for_patient
from cellrelay.organisation import access
from cellrelay.organisation.models import Membership
from cellrelay.organisation.permissions import Action as PermissionAction
from cellrelay.pathway import services as pathway_services
from cellrelay.pathway.models import Episode
from cellrelay.pathway.states import State
from cellrelay.validation import refuse_future_time

from . import isbt128
from .models import Bag, Collection, CustodyEvent, Deviation, Identifier, Product

Action = JournalEntry.Action
Status = Product.Status
Scheme = Identifier.Scheme

# Meanings of the electronic signatures (regulation.md), stored in English, shown translated.
RECEIVED = gettext_noop("received")
VERIFIED = gettext_noop("verified")

# The manufacturer's steps a site records (update_manufacturing); the receipt has its own service.
MANUFACTURING_MOVES = {
    Status.IN_MANUFACTURING: {Status.RELEASED, Status.FAILED},
    Status.RELEASED: {Status.SHIPPED, Status.FAILED},
}
RECEIVABLE = (Status.RELEASED, Status.SHIPPED)
# What a page says after a failure: the failure stops nothing by itself.
AFTER_FAILURE = gettext_lazy("Manufacturing failed. The episode goes on: record a new collection for a new "
                             "product, or stop the episode with the reason “Manufacturing failure”.")


def _journal(action, episode: Episode, obj, *, actor, before=None, after=None):
    record_for_patient(action, episode.patient, actor=actor, obj=obj, before=before, after=after)


def _invalid_code(field: str, error: isbt128.InvalidCode) -> ValidationError:
    return ValidationError({field: [_(error.message) % error.params]})


def _read_din(scanned: str, field: str) -> str:
    """The 13 characters of a scanned DIN (``=`` data identifier, flags optional); ValidationError otherwise."""
    try:
        structure = isbt128.parse(scanned)
    except isbt128.InvalidCode as error:
        raise _invalid_code(field, error) from None
    if structure.name != "din":
        raise ValidationError({field: _("This is not a donation identification number (DIN): scan the DIN, "
                                        "it starts with “=” and a letter or a digit.")})
    return structure.fields["din"]


def _live_products(episode: Episode):
    return episode.products.exclude(status=Status.FAILED)


# Collection ----------------------------------------------------------------------------------------

@transaction.atomic
def record_collection(*, actor, episode: Episode, collected_at: datetime, volume_ml, din: str,
                      cd3_count=None) -> Collection:
    """The apheresis was done: the starting material and its DIN; the episode moves to “Cells collected”.

    A collection after a failed product (or a second collection before any product) is recorded
    without moving the episode, which is already past the apheresis.
    """
    refuse_future_time("collected_at", collected_at)
    if volume_ml is None or Decimal(volume_ml) <= 0:
        raise ValidationError({"volume_ml": _("Give the collected volume in mL.")})
    if cd3_count is not None and Decimal(cd3_count) < 0:
        raise ValidationError({"cd3_count": _("A cell count cannot be negative.")})
    value = _read_din(din, "din")
    if Collection.objects.filter(din=value).exists():
        raise ValidationError({"din": _("The DIN %(din)s is already recorded for a collection.") % {"din": value}})
    episode = Episode.objects.select_related("patient").get(pk=episode.pk)
    if episode.state == State.APHERESIS_SCHEDULED:
        episode = pathway_services.advance(actor=actor, episode=episode, target=State.COLLECTED,
                                           on=timezone.localtime(collected_at).date(), expected_version=None)
    elif episode.state not in (State.COLLECTED, State.MANUFACTURING) or _live_products(episode).exists():
        raise ValidationError(_("A collection is recorded when the apheresis is scheduled, or again after a "
                                "manufacturing failure; this episode is %(state)s.") % {
                                    "state": episode.get_state_display()})
    collection = Collection(episode=episode, collected_at=collected_at, volume_ml=volume_ml, cd3_count=cd3_count,
                            operator=actor, din=value)
    collection.full_clean()
    collection.save()
    CustodyEvent.objects.create(collection=collection, action=CustodyEvent.Action.COLLECTED, actor=actor,
                                scanned=[din.strip()], at=collected_at)
    _journal(Action.COLLECTION_RECORDED, episode, collection, actor=actor, after={
        "din": value, "collected_at": collected_at, "volume_ml": volume_ml, "cd3_count": cd3_count})
    return collection


# Product ------------------------------------------------------------------------------------------

def _normalised_identifier(scheme: str, value: str) -> str:
    text = (value or "").strip()
    if scheme not in Scheme.values:
        raise ValidationError({"identifiers": _("Unknown identifier scheme “%(scheme)s”.") % {"scheme": scheme}})
    if not text:
        raise ValidationError({"identifiers": _("An identifier is empty.")})
    if scheme == Scheme.DIN:
        return _read_din(text, "identifiers")
    if scheme == Scheme.COI_ISBT:
        try:
            structure = isbt128.parse(text)
        except isbt128.InvalidCode as error:
            raise _invalid_code("identifiers", error) from None
        if structure.name != "chain_of_identity":
            raise ValidationError({"identifiers": _("This is not an ISBT 128 chain of identity: it starts with "
                                                    "“&/CH”.")})
        return structure.fields["chain_of_identity"]
    if len(text) > Identifier._meta.get_field("value").max_length:
        raise ValidationError({"identifiers": _("This identifier is too long.")})
    return text


@transaction.atomic
def register_product(*, actor, episode: Episode, manufacturer: str, identifiers: list[tuple[str, str]],
                     registered_at: datetime | None = None) -> Product:
    """The manufacturer has the cells: the product and every identifier on its labels, each unique.

    One live product per episode (a new one only after a failure); the episode moves to “Manufacturing”.
    ``registered_at`` (default now, never in the future) is for recording an episode already under way.
    """
    registered_at = registered_at or timezone.now()
    refuse_future_time("registered_at", registered_at)
    if not manufacturer.strip():
        raise ValidationError({"manufacturer": _("Name the manufacturer.")})
    if not identifiers:
        raise ValidationError({"identifiers": _("Give at least one identifier of the product.")})
    normalised = [(scheme, _normalised_identifier(scheme, value)) for scheme, value in identifiers]
    if len(set(normalised)) != len(normalised):
        raise ValidationError({"identifiers": _("The same identifier is given twice.")})
    for scheme, value in normalised:
        if Identifier.objects.filter(scheme=scheme, value=value).exists():
            raise ValidationError({"identifiers": _("%(value)s already identifies another product: an identifier "
                                                    "belongs to one product only.") % {"value": value}})
    episode = Episode.objects.select_for_update().select_related("patient").get(pk=episode.pk)
    if _live_products(episode).exists():
        raise ValidationError(_("This episode already has a product; a new one is registered only after a "
                                "manufacturing failure."))
    if episode.state == State.COLLECTED:
        episode = pathway_services.advance(actor=actor, episode=episode, target=State.MANUFACTURING,
                                           on=timezone.localdate(registered_at), expected_version=None)
    elif episode.state != State.MANUFACTURING:
        raise ValidationError(_("Record the collection first: this episode is %(state)s.") % {
            "state": episode.get_state_display()})
    product = Product.objects.create(episode=episode, manufacturer=manufacturer.strip(), registered_at=registered_at)
    Identifier.objects.bulk_create([Identifier(product=product, scheme=s, value=v) for s, v in normalised])
    _journal(Action.PRODUCT_REGISTERED, episode, product, actor=actor, after={
        "manufacturer": product.manufacturer, "identifiers": [[s, v] for s, v in normalised]})
    return product


@transaction.atomic
def update_manufacturing(*, actor, product: Product, status: str, reason: str = "", certificate=None) -> Product:
    """The manufacturer released, shipped or failed the product. A failure needs a reason and stops
    nothing by itself: a new collection may follow (``AFTER_FAILURE``), or the episode is stopped.
    The certificate of analysis (a PDF) comes with the release; it may be attached at any of these steps."""
    product = Product.objects.select_for_update().select_related("episode__patient").get(pk=product.pk)
    allowed = MANUFACTURING_MOVES.get(product.status, set())
    if status not in allowed:
        raise ValidationError({"status": _("A product that is “%(current)s” cannot become “%(target)s”.") % {
            "current": product.get_status_display(),
            "target": Status(status).label if status in Status.values else status}})
    if status == Status.FAILED and not reason.strip():
        raise ValidationError({"reason": _("Say why manufacturing failed.")})
    before = {"status": product.status}
    product.status = status
    product.failure_reason = reason.strip() if status == Status.FAILED else product.failure_reason
    fields = ["status", "failure_reason"]
    if certificate is not None:
        _check_certificate(certificate)
        product.certificate.save(f"product-{product.pk}-certificate.pdf", certificate, save=False)
        fields.append("certificate")
    product.save(update_fields=fields)
    _journal(Action.MANUFACTURING_UPDATED, product.episode, product, actor=actor, before=before,
             after={"status": status, "reason": product.failure_reason,
                    "certificate": product.certificate.name if certificate is not None else None})
    return product


# A certificate of analysis certifies a released product: none before the release, none for a failure.
CERTIFIABLE = (Status.RELEASED, Status.SHIPPED, Status.RECEIVED, Status.QUARANTINED, Status.ACCEPTED)


@transaction.atomic
def attach_certificate(*, actor, product: Product, certificate) -> Product:
    """The certificate of analysis (a PDF) sent on its own, without a new status: e.g. by the manufacturer's
    system after the release, or late for a product quarantined for missing documents. A new one replaces
    the one shown; the journal keeps both file names."""
    product = Product.objects.select_for_update().select_related("episode__patient").get(pk=product.pk)
    if product.status not in CERTIFIABLE:
        raise ValidationError({"certificate": _("A certificate of analysis comes with a released product; this "
                                                "product is “%(status)s”.") % {
                                                    "status": product.get_status_display()}})
    _check_certificate(certificate)
    before = {"certificate": product.certificate.name or None}
    product.certificate.save(f"product-{product.pk}-certificate.pdf", certificate, save=False)
    product.save(update_fields=["certificate"])
    _journal(Action.MANUFACTURING_UPDATED, product.episode, product, actor=actor, before=before,
             after={"certificate": product.certificate.name})
    return product


CERTIFICATE_MAX_BYTES = 20_000_000


def _check_certificate(certificate) -> None:
    """A PDF (by its first bytes, not its name), at most 20 MB."""
    if getattr(certificate, "size", 0) > CERTIFICATE_MAX_BYTES:
        raise ValidationError({"certificate": _("The certificate is larger than 20 MB.")})
    head = certificate.read(5)
    certificate.seek(0)
    if head != b"%PDF-":
        raise ValidationError({"certificate": _("The certificate of analysis must be a PDF file.")})


# Electronic signature ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Signature:
    """A signature whose password was re-checked: the signer, the meaning (English msgid) and the time."""

    user: object
    meaning: str
    at: datetime


def sign(*, user, password: str, meaning: str) -> Signature:
    """The electronic signature (regulation.md): the signer re-enters their password at each signing.

    Nothing is written: the service that asked for the signature journals it with its record (``_journal_signature``).
    """
    if not user.is_active or not password or not user.check_password(password):
        raise ValidationError({"password": _("The password is wrong: the signature is refused.")})
    return Signature(user=user, meaning=meaning, at=timezone.now())



def sign_with_second_person(*, actor, actor_password: str, meaning: str, second_person, second_password: str,
                            same_person: str, verifies: PermissionAction, center_id: int) -> tuple[Signature, Signature]:
    """Two-person verification: two different people, each re-entering a password (regulation.md, Annex 11).

    The second person is a member of the patient's treating center (``center_id``) whose role the permission table
    allows the step (``verifies``): the pharmacy at the receipt, those who give the product at the bedside; never
    a role without it (an administrator, a manager…) nor staff of another center. Refusals name the field at
    fault; ``same_person`` says why one person cannot sign twice here.
    """
    if second_person is None or second_person.pk == actor.pk:
        raise ValidationError({"second_person": same_person})
    if not access.can(second_person, verifies, center_id):
        roles = ", ".join(str(Membership.ROLE_LABELS[role]) for role in access.roles_allowed(verifies))
        raise ValidationError({"second_person": _(
            "%(who)s may not verify this step: the second person is a member of the patient's treating center "
            "whose role does this step (%(roles)s).") % {
                "who": second_person.get_full_name() or second_person.get_username(), "roles": roles}})
    signatures = []
    for field, user, password, user_meaning in (("actor_password", actor, actor_password, meaning),
                                                ("second_password", second_person, second_password, VERIFIED)):
        try:
            signatures.append(sign(user=user, password=password, meaning=user_meaning))
        except ValidationError as error:
            raise ValidationError({field: error.message_dict["password"]}) from None
    return signatures[0], signatures[1]

def _journal_signature(signature: Signature, episode: Episode, obj) -> None:
    _journal(Action.SIGNED, episode, obj, actor=signature.user, after={
        "meaning": signature.meaning, "signer": signature.user.get_full_name() or signature.user.get_username(),
        "signed_at": signature.at})


# Quarantine ---------------------------------------------------------------------------------------------

RELEASED_FROM_QUARANTINE = gettext_noop("released from quarantine")


@transaction.atomic
def release_from_quarantine(*, actor, actor_password: str, product: Product, reason: str) -> Product:
    """The pharmacist responsible decides, after investigating the receipt's deviations, that the product may be
    used: it becomes accepted, signed with the reason; the episode moves to “Product received”.

    The other outcome (the product is not usable) is a stop of the episode; the product stays quarantined.
    """
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say what was checked and why the product may be used.")})
    try:
        signature = sign(user=actor, password=actor_password, meaning=RELEASED_FROM_QUARANTINE)
    except ValidationError as error:
        raise ValidationError({"actor_password": error.message_dict["password"]}) from None
    product = Product.objects.select_for_update().select_related("episode__patient").get(pk=product.pk)
    if product.status != Status.QUARANTINED:
        raise ValidationError({"product": _("This product is “%(status)s”: only a quarantined product is released "
                                            "from quarantine.") % {"status": product.get_status_display()}})
    product.status = Status.ACCEPTED
    product.save(update_fields=["status"])
    episode = product.episode
    _journal_signature(signature, episode, product)
    _journal(Action.QUARANTINE_RELEASED, episode, product, actor=actor, before={"status": Status.QUARANTINED},
             after={"status": product.status, "reason": reason.strip()})
    if episode.state == State.MANUFACTURING:
        pathway_services.advance(actor=actor, episode=episode, target=State.PRODUCT_RECEIVED,
                                 on=timezone.localdate(), expected_version=None)
    return product


# Receipt ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scan:
    raw: str
    scheme: str
    value: str


def _read_scan(raw: str) -> Scan:
    """An ISBT 128 code (``=``/``&``) is parsed and compared by its identifier; anything else is taken as a
    manufacturer's number, compared as text."""
    text = raw.strip()
    if not text:
        raise ValidationError({"scanned": _("A scan is empty.")})
    if text[0] not in "=&":
        return Scan(text, Scheme.MANUFACTURER, text)
    try:
        structure = isbt128.parse(text)
    except isbt128.InvalidCode as error:
        raise _invalid_code("scanned", error) from None
    if structure.name == "din":
        return Scan(text, Scheme.DIN, structure.fields["din"])
    if structure.name == "chain_of_identity":
        return Scan(text, Scheme.COI_ISBT, structure.fields["chain_of_identity"])
    raise ValidationError({"scanned": _("%(code)s is not an identifier: scan the DIN, the chain of identity or "
                                        "the manufacturer's number.") % {"code": text}})


def _expected(product: Product) -> str:
    return ", ".join(f"{identifier.get_scheme_display()} {identifier.value}"
                     for identifier in product.identifiers.all())


@transaction.atomic
def _record_identity_deviations(*, actor, product: Product, mismatches: list[tuple[Scan, Product | None]]) -> None:
    """Committed on its own, before the receipt is refused: the hard stop leaves its trace."""
    episode = product.episode
    expected = _expected(product)
    for scan, other in mismatches:
        deviation = Deviation.objects.create(
            episode=episode, product=product, other_product=other, kind=Deviation.Kind.IDENTITY_MISMATCH,
            expected=expected[:500], scanned=scan.raw[:500], actor=actor,
            description="belongs to another product" if other else "matches no product")
        _journal(Action.DEVIATION_RECORDED, episode, deviation, actor=actor, after={
            "kind": deviation.kind, "expected": deviation.expected, "scanned": deviation.scanned,
            "other_product": other.pk if other else None})


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
    scans = [_read_scan(raw) for raw in scanned]
    own = set(product.identifiers.values_list("scheme", "value"))
    mismatches = []
    for scan in scans:
        if (scan.scheme, scan.value) not in own:
            other = Identifier.objects.filter(scheme=scan.scheme, value=scan.value).select_related("product").first()
            mismatches.append((scan, other.product if other else None))
    if mismatches:
        _record_identity_deviations(actor=actor, product=product, mismatches=mismatches)
        raise ValidationError({"scanned": [
            (_("HARD STOP — %(scanned)s belongs to another patient's product. Expected: %(expected)s. Do not "
               "accept the product; the deviation is recorded.") if other else
             _("HARD STOP — %(scanned)s is not an identifier of this product. Expected: %(expected)s. Do not "
               "accept the product; the deviation is recorded.")) % {
                "scanned": scan.raw, "expected": _expected(product)}
            for scan, other in mismatches]})
    return _accept_receipt(actor=actor, reception=reception, verification=verification, product=product, scans=scans,
                           seal_intact=seal_intact, temperature_c=Decimal(shipper_temperature_c),
                           documents_ok=documents_ok, bags=(bag_count, bag_expiry), place=place, at=received_at)


MAX_BAGS = 20  # products.md: one to a few bags per product; more is a typing error


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
    problems = []
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
    Bag.objects.bulk_create([Bag(product=product, number=n, expiry=expiry) for n in range(1, count + 1)])
    event = CustodyEvent.objects.create(
        product=product, action=CustodyEvent.Action.RECEIVED, actor=actor, second_person=verification.user,
        place=place, scanned=[scan.raw for scan in scans], temperature_c=temperature_c, meaning=RECEIVED,
        second_meaning=verification.meaning, at=at)
    _journal_signature(reception, episode, event)
    _journal_signature(verification, episode, event)
    for kind, expected, found in problems:
        deviation = Deviation.objects.create(episode=episode, product=product, kind=kind, expected=expected,
                                             scanned=found, actor=actor, at=at)
        _journal(Action.DEVIATION_RECORDED, episode, deviation, actor=actor,
                 after={"kind": kind, "expected": expected, "scanned": found})
    _journal(Action.PRODUCT_RECEIVED, episode, product, actor=actor, before=before, after={
        "status": product.status, "verified_by": verification.user.get_username(),
        "temperature_c": temperature_c, "storage_max_c": limit, "seal_intact": seal_intact,
        "documents_ok": documents_ok, "scanned": [scan.raw for scan in scans], "bags": count, "bag_expiry": expiry})
    if product.status == Status.ACCEPTED and episode.state == State.MANUFACTURING:
        pathway_services.advance(actor=actor, episode=episode, target=State.PRODUCT_RECEIVED,
                                 on=timezone.localdate(at), expected_version=None)
    return product
