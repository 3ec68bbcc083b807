"""The product at the manufacturer: registered with every identifier on its labels, then released, shipped or
failed as the manufacturer reports (pages and ``POST /api/v1/products/{id}/status`` alike), with its certificate
of analysis."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cellrelay.pathway import services as pathway_services
from cellrelay.pathway.models import Episode
from cellrelay.pathway.states import State
from cellrelay.validation import refuse_future_time

from .. import isbt128
from ..custody import Action, invalid_code, journal, read_din
from ..models import Identifier, Product

Status = Product.Status
Scheme = Identifier.Scheme

# The manufacturer's steps a site records (update_manufacturing); the receipt has its own service.
MANUFACTURING_MOVES = {
    Status.IN_MANUFACTURING: {Status.RELEASED, Status.FAILED},
    Status.RELEASED: {Status.SHIPPED, Status.FAILED},
}
# What a page says after a failure: the failure stops nothing by itself.
AFTER_FAILURE = gettext_lazy("Manufacturing failed. The episode goes on: record a new collection for a new "
                             "product, or stop the episode with the reason “Manufacturing failure”.")
# A certificate of analysis certifies a released product: none before the release, none for a failure.
CERTIFIABLE = (Status.RELEASED, Status.SHIPPED, Status.RECEIVED, Status.QUARANTINED, Status.ACCEPTED)
CERTIFICATE_MAX_BYTES = 20_000_000


def live_products(episode: Episode):
    """The episode's products that did not fail: at most one (a new one only after a failure)."""
    return episode.products.exclude(status=Status.FAILED)


def _normalised_identifier(scheme: str, value: str) -> str:
    text = (value or "").strip()
    if scheme not in Scheme.values:
        raise ValidationError({"identifiers": _("Unknown identifier scheme “%(scheme)s”.") % {"scheme": scheme}})
    if not text:
        raise ValidationError({"identifiers": _("An identifier is empty.")})
    if scheme == Scheme.DIN:
        return read_din(text, "identifiers")
    if scheme == Scheme.COI_ISBT:
        try:
            structure = isbt128.parse(text)
        except isbt128.InvalidCode as error:
            raise invalid_code("identifiers", error) from None
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
    if live_products(episode).exists():
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
    journal(Action.PRODUCT_REGISTERED, episode, product, actor=actor, after={
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
    journal(Action.MANUFACTURING_UPDATED, product.episode, product, actor=actor, before=before,
            after={"status": status, "reason": product.failure_reason,
                   "certificate": product.certificate.name if certificate is not None else None})
    return product


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
    journal(Action.MANUFACTURING_UPDATED, product.episode, product, actor=actor, before=before,
            after={"certificate": product.certificate.name})
    return product


def _check_certificate(certificate) -> None:
    """A PDF (by its first bytes, not its name), at most 20 MB."""
    if getattr(certificate, "size", 0) > CERTIFICATE_MAX_BYTES:
        raise ValidationError({"certificate": _("The certificate is larger than 20 MB.")})
    head = certificate.read(5)
    certificate.seek(0)
    if head != b"%PDF-":
        raise ValidationError({"certificate": _("The certificate of analysis must be a PDF file.")})
