"""The product page: one episode's chain of identity and custody from vein to vein, what comes next and who does
it, the PDF export for an inspection, and the pharmacist's signed decisions: the release from quarantine, the
release of a shipment's temperature excursion.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from cellrelay.journal.services import record_document_read
from cellrelay.organisation import access
from cellrelay.organisation.permissions import Action
from cellrelay.pathway.states import State
from cellrelay.patients.access import reach
from cellrelay.web import posted, run_service

from .. import bag_steps, custody_pdf
from .. import chain as chains
from ..forms import ReleaseForm
from ..models import Bag, Deviation, Product
from ..services import manufacturing, receipt, shipping
from .common import EPISODES, PRODUCTS
from .shipments import shipment_svg

Status = Product.Status


@dataclass
class Step:
    """Something to do next on the chain, the team's page that does it."""

    label: str
    url: str


def _bag_steps(bag: Bag, user, may) -> list[Step]:
    """The pharmacy's steps for the bag (place it, dispense it), then the ward's once it is dispensed."""
    steps = [Step(label, url) for label, url in bag_steps.next_steps(bag, user)]
    if bag.status != Bag.Status.AVAILABLE and not (bag.disposal or bag.infusion_ended_at) and may(
            Action.ADMINISTER_PRODUCT):
        steps.append(Step(_("Bag %(number)s: thaw, bedside check, infusion") % {"number": bag.number},
                          reverse("products:bag", args=[bag.pk])))
    return steps


def next_steps(chain: chains.Chain, user) -> list[Step]:
    """What the chain waits for, offered to the user when their role does it at the patient's center."""
    episode = chain.episode
    center = episode.patient.treating_center_id

    def may(action):
        return access.can(user, action, center)

    if not episode.is_open:
        return []
    steps = []
    live = chain.live_product
    if live is None and episode.state in (State.APHERESIS_SCHEDULED, State.COLLECTED, State.MANUFACTURING):
        if may(Action.RECORD_COLLECTION) and (episode.state == State.APHERESIS_SCHEDULED or chain.products):
            steps.append(Step(_("Record the collection"), reverse("products:collection_new", args=[episode.pk])))
        if chain.collections and may(Action.UPDATE_MANUFACTURING):
            steps.append(Step(_("Register the product at the manufacturer"),
                              reverse("products:product_new", args=[episode.pk])))
    for collection in chain.collections:
        if collection.to_ship_since is not None and may(Action.RECORD_SHIPMENT):  # to_ship.py: the one rule
            steps.append(Step(_("Ship the collected cells (DIN %(din)s) to the manufacturer") % {"din": collection.din},
                              reverse("products:shipment_out_new", args=[collection.pk])))
    if live is not None:
        if live.status in manufacturing.MANUFACTURING_MOVES and may(Action.UPDATE_MANUFACTURING):
            steps.append(Step(_("Record the manufacturer's news"),
                              reverse("products:manufacturing_update", args=[live.pk])))
        if live.status == Status.RELEASED and may(Action.RECORD_SHIPMENT):
            steps.append(Step(_("Record the shipment to the center"),
                              reverse("products:shipment_back_new", args=[live.pk])))
        if live.status in receipt.RECEIVABLE and may(Action.RECEIVE_PRODUCT):
            steps.append(Step(_("Receive the product (two people)"), reverse("products:receive", args=[live.pk])))
        if live.status == Status.QUARANTINED and may(Action.RELEASE_PRODUCT):
            steps.append(Step(_("Decide on the quarantine"), reverse("products:quarantine_release", args=[live.pk])))
        if may(Action.RELEASE_PRODUCT):
            steps.extend(Step(_("Decide on the temperature excursion of the shipment (%(excursion)s)") % {
                "excursion": shipping.excursion_text(deviation)},
                reverse("products:excursion_release", args=[deviation.pk]))
                for deviation in shipping.unreleased_excursions(live))
        link = next(link for link in chain.products if link.product.pk == live.pk)
        for bag in link.bags:
            steps.extend(_bag_steps(bag, user, may))
    return steps


def attach_charts(chain: chains.Chain) -> None:
    """Each shipment with readings carries its temperature plot (inline SVG) as ``chart``."""
    shipments = [s for group in chain.shipments_out.values() for s in group]
    shipments += [s for link in chain.products for s in link.shipments]
    for shipment in shipments:
        shipment.chart = shipment_svg(shipment) if shipment.temperatures.exists() else ""


@access.requires(Action.VIEW_PATIENT)
def chain_page(request, pk):
    episode = reach(request.user, EPISODES, pk)
    chain = chains.chain_of(episode)
    attach_charts(chain)
    center = episode.patient.treating_center_id
    return render(request, "products/chain.html", {
        "episode": episode, "patient": episode.patient, "chain": chain, "steps": next_steps(chain, request.user),
        "after_failure": manufacturing.AFTER_FAILURE,
        # Links shown only to whom may follow them (the permission table at the patient's center).
        "may_print_labels": access.can(request.user, Action.PRINT_LABELS, center),
        "may_release": access.can(request.user, Action.RELEASE_PRODUCT, center),
    })


@access.requires(Action.VIEW_PATIENT)
def custody_pdf_view(request, pk):
    """The chain as a PDF for an inspection; a read of the record, journaled like any other."""
    episode = reach(request.user, EPISODES, pk, journal_read=False)  # journaled as the document's read
    record_document_read("custody_pdf", episode.patient, actor=request.user, obj=episode)
    content = custody_pdf.build(chains.chain_of(episode), printed_by=request.user)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="custody-episode-{episode.pk}.pdf"'
    add_never_cache_headers(response)
    return response


@access.requires(Action.RELEASE_PRODUCT)
def quarantine_release(request, pk):
    product = reach(request.user, PRODUCTS, pk, Action.RELEASE_PRODUCT, patient="episode__patient")
    form = ReleaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(form, lambda: receipt.release_from_quarantine(
            actor=request.user, actor_password=form.cleaned_data["actor_password"], product=product,
            reason=form.cleaned_data["reason"]))
        if done is not None:
            messages.success(request, _("The product is released from quarantine and may be used."))
            return redirect("products:chain", product.episode_id)
    return render(request, "products/quarantine_release.html", {
        "form": form, "product": product, "episode": product.episode, "patient": product.episode.patient,
        "deviations": product.deviations.select_related("actor"),
        "refusal": "" if product.status == Status.QUARANTINED else _(
            "This product is “%(status)s”: only a quarantined product is released from quarantine.") % {
                "status": product.get_status_display()},
    })


@access.requires(Action.RELEASE_PRODUCT)
def excursion_release(request, pk):
    """The signed release of a temperature excursion found in a shipment's log: until then, no bag is dispensed."""
    deviation = reach(request.user, Deviation.objects.select_related(
        "episode__patient__treating_center", "episode__template", "shipment", "product", "actor", "released_by"),
        pk, Action.RELEASE_PRODUCT, patient="episode__patient")
    form = ReleaseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        done = run_service(form, lambda: shipping.release_excursion(
            actor=request.user, actor_password=form.cleaned_data["actor_password"], deviation=deviation,
            reason=form.cleaned_data["reason"]))
        if done is not None:
            messages.success(request, _("The temperature excursion is released: the product may be dispensed."))
            return redirect("products:chain", deviation.episode_id)
    return render(request, "products/excursion_release.html", {
        "form": form, "deviation": deviation, "excursion": shipping.excursion_text(deviation) if deviation.is_shipment_excursion else "",
        "episode": deviation.episode, "patient": deviation.episode.patient,
        "refusal": shipping.excursion_release_refusal(deviation)})
