"""The two-person receipt of the product at the pharmacy.

The receipt commits a hard stop's deviation before refusing: it runs outside any transaction here, so the
deviation stays. The page answers a GET also when the service would refuse: it then says why.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cellrelay.organisation import access
from cellrelay.organisation.permissions import Action
from cellrelay.patients.access import reach
from cellrelay.web import posted

from ..forms import ReceiveForm
from ..models import Deviation, Product
from ..services import receipt
from .common import PRODUCTS, run_keeping_deviations

# Kinds of deviation a receipt may record without refusing the product: it is then quarantined.
QUARANTINE_KINDS = (Deviation.Kind.TEMPERATURE_EXCURSION, Deviation.Kind.SEAL_BROKEN, Deviation.Kind.DOCUMENTS)


def receipt_refusal(product: Product) -> str:
    """Why this product cannot be received now, or "" when it can (the service's words)."""
    if product.status in receipt.RECEIVABLE:
        return ""
    return _("This product is “%(status)s”: only a released or shipped product is received.") % {
        "status": product.get_status_display()}


def quarantine_message(deviations) -> str:
    found = []
    for deviation in deviations:
        text = deviation.get_kind_display()
        if deviation.kind == Deviation.Kind.TEMPERATURE_EXCURSION:
            text = _("%(kind)s: %(found)s, limit %(limit)s") % {
                "kind": text, "found": deviation.scanned, "limit": deviation.expected}
        found.append(str(text))
    return _("Product received and QUARANTINED — deviations: %(deviations)s. It is not dispensed until its "
             "deviations are closed.") % {"deviations": "; ".join(found)}


@access.requires(Action.RECEIVE_PRODUCT)
def receive(request, pk):
    product = reach(request.user, PRODUCTS, pk, Action.RECEIVE_PRODUCT, patient="episode__patient")
    episode, patient = product.episode, product.episode.patient
    form = ReceiveForm(posted(request), patient=patient, actor=request.user)
    hard_stops = []
    if request.method == "POST" and form.is_valid():
        received, recorded = run_keeping_deviations(form, episode, lambda: receipt.receive_product(
            actor=request.user, product=product, **form.service_arguments()))
        if received is not None:
            if received.status == Product.Status.QUARANTINED:
                messages.warning(request, quarantine_message(
                    received.deviations.filter(kind__in=QUARANTINE_KINDS)))
            else:
                messages.success(request, _("Product received and accepted: %(count)s bag(s) registered.") % {
                    "count": received.bags.count()})
            return redirect("products:chain", episode.pk)
        hard_stops = form.errors.get("scanned", []) if recorded else []
    return render(request, "products/receive.html", {
        "form": form, "product": product, "episode": episode, "patient": patient,
        "identifiers": list(product.identifiers.all()), "storage_max_c": episode.template.storage_max_c,
        "refusal": receipt_refusal(product), "hard_stops": hard_stops,
        "title": _("Receive the product")})
