"""The manufacturing pages: the product registered at the manufacturer with the identifiers on its labels, what
the manufacturer reports (released, shipped, failed, with the certificate of analysis), and the certificate
itself, served only through an access-checked, journaled view.
"""

import os

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cellrelay.journal.services import record_document_read
from cellrelay.organisation import access
from cellrelay.organisation.permissions import Action
from cellrelay.pathway.models import Episode
from cellrelay.pathway.states import ORDER, State
from cellrelay.patients.access import reach
from cellrelay.web import posted, run_service

from ..forms import MANUFACTURERS, ManufacturingForm, ProductRegistrationForm
from ..isbt128 import scanner_din
from ..models import Product
from ..services import manufacturing
from .common import EPISODES, PRODUCTS

# Where a page goes after a success: the product page.
AFTER_SUCCESS = "products:chain"


# Registering the product at the manufacturer ------------------------------------------------------------

def registration_blocked(episode: Episode) -> str | None:
    """Why this episode cannot take a product now (the service's own rules, said before the form), or None."""
    if manufacturing.live_products(episode).exists():
        return _("This episode already has a product; a new one is registered only after a manufacturing "
                 "failure.")
    if episode.state in (State.COLLECTED, State.MANUFACTURING):
        return None
    if episode.state in ORDER and ORDER.index(State(episode.state)) < ORDER.index(State.COLLECTED):
        return _("Record the collection first: this episode is %(state)s.") % {
            "state": episode.get_state_display()}
    return _("This episode is %(state)s: no product is registered at this step.") % {
        "state": episode.get_state_display()}


def _registration_initial(episode: Episode) -> dict:
    """The manufacturer of the episode's product, and the DIN of its latest collection as the scanner reads it."""
    collection = episode.collections.order_by("-collected_at", "-pk").first()
    return {"manufacturer": MANUFACTURERS.get(episode.product, ""),
            "din": scanner_din(collection.din) if collection else ""}


def _beside_identifiers(form: ProductRegistrationForm, error: ValidationError) -> ValidationError:
    """The service files every identifier refusal under ``identifiers``: put each beside the field it names."""
    if not hasattr(error, "error_dict"):
        return error
    fields: dict[str, list[str]] = {}
    for name, texts in error.message_dict.items():
        for text in texts:
            field = (form.field_of(text) or NON_FIELD_ERRORS) if name == "identifiers" else name
            fields.setdefault(field, []).append(text)
    return ValidationError(fields)


@access.requires(Action.UPDATE_MANUFACTURING)
def product_new(request, pk):
    episode = reach(request.user, EPISODES, pk, Action.UPDATE_MANUFACTURING)
    form = ProductRegistrationForm(posted(request), initial=_registration_initial(episode))

    def register():
        try:
            return manufacturing.register_product(actor=request.user, episode=episode,
                                                  manufacturer=form.cleaned_data["manufacturer"],
                                                  identifiers=form.identifiers())
        except ValidationError as error:
            raise _beside_identifiers(form, error) from None

    if request.method == "POST" and form.is_valid():
        product = run_service(form, register)
        if product is not None:
            messages.success(request, _("Product registered at %(manufacturer)s.") % {
                "manufacturer": product.manufacturer})
            return redirect(AFTER_SUCCESS, episode.pk)
    return render(request, "products/manufacturing_product_form.html", {
        "form": form, "episode": episode, "patient": episode.patient, "title": _("Register the product"),
        "blocked": registration_blocked(episode),
        "failed": episode.products.filter(status=Product.Status.FAILED),
    })


# What the manufacturer reports --------------------------------------------------------------------------

@access.requires(Action.UPDATE_MANUFACTURING)
def manufacturing_update(request, pk):
    product = reach(request.user, PRODUCTS, pk, Action.UPDATE_MANUFACTURING, patient="episode__patient")
    moves = manufacturing.MANUFACTURING_MOVES.get(product.status, set())
    form = ManufacturingForm(posted(request), request.FILES if request.method == "POST" else None, moves=moves)
    if request.method == "POST" and moves and form.is_valid():
        data = form.cleaned_data
        updated = run_service(form, lambda: manufacturing.update_manufacturing(
            actor=request.user, product=product, status=data["status"], reason=data["reason"],
            certificate=data["certificate"] or None))
        if updated is not None:
            messages.success(request, _("Manufacturing status recorded: %(status)s.") % {
                "status": updated.get_status_display()})
            # After a failure this page says what comes next (a new collection, or stopping the episode).
            if updated.status == Product.Status.FAILED:
                return redirect("products:manufacturing_update", updated.pk)
            return redirect(AFTER_SUCCESS, updated.episode_id)
    episode = product.episode
    return render(request, "products/manufacturing_update.html", {
        "form": form, "product": product, "episode": episode, "patient": episode.patient,
        "title": _("Manufacturing of the product"), "moves": moves,
        "identifiers": product.identifiers.all(),
        "after_failure": manufacturing.AFTER_FAILURE if product.status == Product.Status.FAILED else None,
        "may_stop": access.can(request.user, Action.PLAN_PATHWAY, episode.patient.treating_center_id),
        "may_collect": access.can(request.user, Action.RECORD_COLLECTION, episode.patient.treating_center_id),
    })


# The certificate of analysis ----------------------------------------------------------------------------

@access.requires(Action.VIEW_PATIENT)
def certificate(request, pk):
    """The certificate of analysis, shown in the browser, to those who may see the patient."""
    product = reach(request.user, PRODUCTS, pk, patient="episode__patient")
    if not product.certificate:
        raise Http404("no certificate")
    record_document_read("certificate", product.episode.patient, actor=request.user, obj=product,
                         details={"file": product.certificate.name})
    response = FileResponse(product.certificate.open("rb"), content_type="application/pdf", as_attachment=False,
                            filename=os.path.basename(product.certificate.name))
    response["Cache-Control"] = "private, no-store"  # a patient's document: not kept by shared caches
    return response
