"""The collection's pages: the apheresis record with its suggested DIN, and the collected bag's labels (PDF)."""

from django.contrib import messages
from django.db.models import Max
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.translation import gettext as _

from cellrelay.journal.services import record_document_read
from cellrelay.organisation import access
from cellrelay.organisation.permissions import Action
from cellrelay.pathway.models import Episode
from cellrelay.pathway.states import State
from cellrelay.patients.access import reach
from cellrelay.web import posted, run_service

from .. import isbt128, labels
from ..forms import CollectionForm
from ..models import Collection, Identifier
from ..services import collection as collection_services
from ..services.manufacturing import live_products
from .common import EPISODES

def collection_refusal(episode: Episode) -> str | None:
    """Why the episode cannot take a collection now, or None. The rule of ``collection.record_collection``,
    restated so that the page can say it before the form is filled in (the service still decides)."""
    if episode.state == State.APHERESIS_SCHEDULED:
        return None
    if episode.state in (State.COLLECTED, State.MANUFACTURING) and not live_products(episode).exists():
        return None
    return _("A collection is recorded when the apheresis is scheduled, or again after a manufacturing failure; "
             "this episode is %(state)s.") % {"state": episode.get_state_display()}


def highest_sequence(facility: str, year: int) -> int | None:
    """The highest DIN sequence this facility used in the year, on a collection or on a product's labels."""
    prefix = f"{facility}{year % 100:02d}"
    # Same length, digits only after the prefix: the greatest text is the greatest sequence.
    found = [Collection.objects.filter(din__startswith=prefix).aggregate(top=Max("din"))["top"],
             Identifier.objects.filter(scheme=Identifier.Scheme.DIN, value__startswith=prefix)
             .aggregate(top=Max("value"))["top"]]
    sequences = [int(din[7:13]) for din in found if din and din[7:13].isdigit()]
    return max(sequences, default=None)


def suggested_din(center) -> str:
    """The next free DIN of the center's ISBT 128 facility this year, as scanned; "" when there is none."""
    if not center.facility_id:
        return ""
    year = timezone.localdate().year
    try:
        return isbt128.next_din(center.facility_id, year, highest_sequence(center.facility_id, year))
    except isbt128.InvalidCode:
        return ""  # a misconfigured facility number or a full year: the nurse scans the label


@access.requires(Action.RECORD_COLLECTION)
def collection_new(request, pk):
    episode = reach(request.user, EPISODES, pk, Action.RECORD_COLLECTION)
    center = episode.patient.treating_center
    suggestion = suggested_din(center)
    form = CollectionForm(posted(request), initial={"din": suggestion})
    form.fields["din"].help_text = (
        _("Suggested: the next free DIN of %(facility)s. If the bag already has an ISBT 128 label, scan it "
          "instead.") % {"facility": center.facility_id} if suggestion
        else _("Scan the DIN on the bag's ISBT 128 label."))
    refusal = collection_refusal(episode)
    may_print_labels = access.can(request.user, Action.PRINT_LABELS, center.pk)
    if request.method == "POST" and form.is_valid():
        collection = run_service(form, lambda: collection_services.record_collection(
            actor=request.user, episode=episode, **form.cleaned_data))
        if collection is not None:
            recorded = _("Collection recorded: DIN %(din)s.") % {"din": collection.din}
            messages.success(request, format_html(
                '{} <a href="{}">{}</a>', recorded, reverse("products:collection_labels", args=[collection.pk]),
                _("Print the labels (PDF)")) if may_print_labels else recorded)
            return redirect("products:chain", episode.pk)
    return render(request, "products/collection_form.html", {
        "episode": episode, "patient": episode.patient, "form": form, "refusal": refusal,
        "title": _("Record the collection"),
        "collections": list(episode.collections.all()), "may_print_labels": may_print_labels,
    })


@access.requires(Action.PRINT_LABELS)
def collection_labels(request, pk):
    """The labels of the collected bag and its paperwork; each download is journaled."""
    collection = reach(request.user, Collection.objects.select_related("episode__patient__treating_center"), pk,
                       Action.PRINT_LABELS, patient="episode__patient")
    patient = collection.episode.patient
    content = labels.build(labels.label_data(collection))
    record_document_read("collection_labels", patient, actor=request.user, obj=collection,
                         details={"din": collection.din})
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="labels-{collection.din}.pdf"'
    add_never_cache_headers(response)
    return response
