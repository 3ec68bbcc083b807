"""The product page: one episode's chain of identity and custody from vein to vein, what comes next and who does
it, the PDF export for an inspection, and the pharmacist's release from quarantine.

Views check access and call one service; the other steps have their pages in collection_views (apheresis,
shipments), manufacturing_views (manufacturer), administration_views (receipt, bag, thaw, infusion) and the
pharmacy room (storage).
"""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cellrelay.journal.services import record_document_read
from cellrelay.organisation import access
from cellrelay.organisation.permissions import Action
from cellrelay.pathway.models import Episode
from cellrelay.pathway.states import State
from cellrelay.patients.access import reach
from cellrelay.patients.models import Patient
from cellrelay.patients.services import record_read
from cellrelay.web import posted, run_service

from . import chain as chains
from . import worklist as product_worklist
from . import custody_pdf, dispensing, services, shipping
from .models import Bag, Deviation, Product
from .pages import product_for, read_patient

Status = Product.Status


@dataclass
class Step:
    """Something to do next on the chain, the team's page that does it."""

    label: str
    url: str


def _episode_for(user, pk) -> Episode:
    episode = get_object_or_404(Episode.objects.select_related("patient__treating_center", "template"), pk=pk)
    reach(user, Patient, episode.patient_id, patient="", journal_read=False)
    return episode


def _bag_steps(bag: Bag, product: Product, episode: Episode, may) -> list[Step]:
    steps = []
    stored = hasattr(bag, "position")
    if bag.status == Bag.Status.AVAILABLE:
        if (not stored and product.status in (Status.ACCEPTED, Status.QUARANTINED)
                and episode.state in product_worklist.BEFORE_INFUSION and may(Action.MANAGE_STORAGE)):
            steps.append(Step(_("Place bag %(number)s in a tank") % {"number": bag.number},
                              reverse("pharmacy:bag_place", args=[bag.pk])))
        if (product.status == Status.ACCEPTED and episode.state == State.LYMPHODEPLETION
                and may(Action.DISPENSE_PRODUCT) and dispensing.infusion_day_reached(episode, timezone.localdate())):
            steps.append(Step(_("Dispense bag %(number)s") % {"number": bag.number},
                              reverse("products:dispense", args=[bag.pk])))
    elif not (bag.disposal or bag.infusion_ended_at) and may(Action.ADMINISTER_PRODUCT):
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
        if collection.pk not in chain.shipments_out and may(Action.RECORD_SHIPMENT):
            steps.append(Step(_("Ship the collected cells (DIN %(din)s) to the manufacturer") % {"din": collection.din},
                              reverse("products:shipment_out_new", args=[collection.pk])))
    if live is not None:
        if live.status in services.MANUFACTURING_MOVES and may(Action.UPDATE_MANUFACTURING):
            steps.append(Step(_("Record the manufacturer's news"),
                              reverse("products:manufacturing_update", args=[live.pk])))
        if live.status == Status.RELEASED and may(Action.RECORD_SHIPMENT):
            steps.append(Step(_("Record the shipment to the center"),
                              reverse("products:shipment_back_new", args=[live.pk])))
        if live.status in services.RECEIVABLE and may(Action.RECEIVE_PRODUCT):
            steps.append(Step(_("Receive the product (two people)"), reverse("products:receive", args=[live.pk])))
        if live.status == Status.QUARANTINED and may(Action.RELEASE_PRODUCT):
            steps.append(Step(_("Decide on the quarantine"), reverse("products:quarantine_release", args=[live.pk])))
        if may(Action.RELEASE_PRODUCT):
            steps.extend(Step(_("Decide on the temperature excursion of the shipment (%(excursion)s)") % {
                "excursion": dispensing.excursion_text(deviation)},
                reverse("products:excursion_release", args=[deviation.pk]))
                for deviation in shipping.unreleased_excursions(live))
        link = next(link for link in chain.products if link.product.pk == live.pk)
        for bag in link.bags:
            steps.extend(_bag_steps(bag, live, episode, may))
    return steps


def attach_charts(chain: chains.Chain) -> None:
    """Each shipment with readings carries its temperature plot (inline SVG) as ``chart``."""
    from .collection_views import shipment_svg

    shipments = [s for group in chain.shipments_out.values() for s in group]
    shipments += [s for link in chain.products for s in link.shipments]
    for shipment in shipments:
        shipment.chart = mark_safe(shipment_svg(shipment)) if shipment.temperatures.exists() else ""  # noqa: S308 -- our own SVG


@access.requires(Action.VIEW_PATIENT)
def chain_page(request, pk):
    episode = _episode_for(request.user, pk)
    record_read(actor=request.user, patient=episode.patient)
    chain = chains.chain_of(episode)
    attach_charts(chain)
    center = episode.patient.treating_center_id
    return render(request, "products/chain.html", {
        "episode": episode, "patient": episode.patient, "chain": chain, "steps": next_steps(chain, request.user),
        "after_failure": services.AFTER_FAILURE,
        # Links shown only to whom may follow them (the permission table at the patient's center).
        "may_print_labels": access.can(request.user, Action.PRINT_LABELS, center),
        "may_release": access.can(request.user, Action.RELEASE_PRODUCT, center),
    })


@access.requires(Action.VIEW_PATIENT)
def custody_pdf_view(request, pk):
    """The chain as a PDF for an inspection; a read of the record, journaled like any other."""
    episode = _episode_for(request.user, pk)
    record_document_read("custody_pdf", episode.patient, actor=request.user, obj=episode)
    content = custody_pdf.build(chains.chain_of(episode), printed_by=request.user)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="custody-episode-{episode.pk}.pdf"'
    add_never_cache_headers(response)
    return response


class ReleaseForm(forms.Form):
    """The pharmacist's signed decision that a product may be used despite its deviations."""

    reason = forms.CharField(label=gettext_lazy("What was checked, and why the product may be used"),
                             widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
    actor_password = forms.CharField(label=gettext_lazy("Your password (signature)"), widget=forms.PasswordInput,
                                     strip=False)


@access.requires(Action.RELEASE_PRODUCT)
def quarantine_release(request, pk):
    product = product_for(request.user, pk, Action.RELEASE_PRODUCT)
    form = ReleaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(form, lambda: services.release_from_quarantine(
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
    deviation = get_object_or_404(Deviation.objects.select_related(
        "episode__patient__treating_center", "episode__template", "shipment", "product", "actor", "released_by"),
        pk=pk)
    read_patient(request.user, deviation.episode.patient_id, Action.RELEASE_PRODUCT)
    form = ReleaseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        done = run_service(form, lambda: shipping.release_excursion(
            actor=request.user, actor_password=form.cleaned_data["actor_password"], deviation=deviation,
            reason=form.cleaned_data["reason"]))
        if done is not None:
            messages.success(request, _("The temperature excursion is released: the product may be dispensed."))
            return redirect("products:chain", deviation.episode_id)
    return render(request, "products/excursion_release.html", {
        "form": form, "deviation": deviation, "excursion": dispensing.excursion_text(deviation),
        "episode": deviation.episode, "patient": deviation.episode.patient,
        "refusal": shipping.excursion_release_refusal(deviation)})


urlpatterns = [
    path("episodes/<int:pk>/products/", chain_page, name="chain"),
    path("episodes/<int:pk>/products/custody.pdf", custody_pdf_view, name="custody_pdf"),
    path("products/<int:pk>/quarantine/", quarantine_release, name="quarantine_release"),
    path("deviations/<int:pk>/release/", excursion_release, name="excursion_release"),
]
