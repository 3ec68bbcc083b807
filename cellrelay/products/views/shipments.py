"""The shipments' pages: the collected cells out to the manufacturer, the product back to the center, a shipment
with its temperature chart and excursions, and the upload of its temperature log. ``shipment_svg`` draws a
shipment's chart for any page (the product page too).
"""

import itertools
from datetime import datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cellrelay.organisation import access
from cellrelay.organisation.permissions import Action
from cellrelay.pathway.models import Episode
from cellrelay.patients.access import reach
from cellrelay.web import posted, run_service

from .. import shipment_chart, templog
from ..forms import ShipmentForm, TemperatureLogForm
from ..models import Collection, Deviation, Product, Shipment
from ..services import shipping
from .common import PRODUCTS

Direction = Shipment.Direction
SHIPMENTS = Shipment.objects.select_related("collection__episode__patient", "collection__episode__template",
                                            "product__episode__patient", "product__episode__template")


def shipment_episode(shipment: Shipment) -> Episode:
    return shipment.product.episode if shipment.product_id else shipment.collection.episode


def _shipment_page(request, form, *, episode, refusal, what, direction, call, back):
    """The shipment form: on a valid POST the service is called, then to the new shipment's page."""
    if request.method == "POST" and form.is_valid():
        shipment = run_service(form, call)
        if shipment is not None:
            messages.success(request, _("Shipment recorded."))
            return redirect("products:shipment", shipment.pk)
    title = _("Ship the collected cells to the manufacturer") if direction == Direction.OUT \
        else _("Ship the product to the center")
    return render(request, "products/shipment_form.html", {
        "episode": episode, "patient": episode.patient, "form": form, "refusal": refusal, "what": what,
        "title": title, "back": back})


def _shipment_arguments(form) -> dict:
    data = form.cleaned_data
    return {"courier": data["courier"], "shipper_id": data["shipper_id"], "seal_numbers": data["seal_numbers"],
            "departed_at": data["departed_at"], "arrived_at": data.get("arrived_at")}


@access.requires(Action.RECORD_SHIPMENT)
def shipment_out_new(request, pk):
    collection = reach(request.user, Collection.objects.select_related("episode__template"), pk,
                       Action.RECORD_SHIPMENT, patient="episode__patient")
    form = ShipmentForm(posted(request))
    return _shipment_page(
        request, form, episode=collection.episode, refusal=None, direction=Direction.OUT,
        what=_("Collected cells, DIN %(din)s") % {"din": collection.din},
        call=lambda: shipping.record_shipment(actor=request.user, product_or_collection=collection,
                                              direction=Direction.OUT, **_shipment_arguments(form)),
        back=reverse("products:chain", args=[collection.episode_id]))


def shipment_back_refusal(product: Product) -> str | None:
    """Why the product cannot be shipped to the center, or None (the rule of ``shipping.record_shipment``)."""
    if product.status in shipping.SHIPPABLE_BACK:
        return None
    return _("This product is “%(status)s”: only a released or shipped product is shipped to the center.") % {
        "status": product.get_status_display()}


@access.requires(Action.RECORD_SHIPMENT)
def shipment_back_new(request, pk):
    product = reach(request.user, PRODUCTS, pk, Action.RECORD_SHIPMENT, patient="episode__patient")
    form = ShipmentForm(posted(request))
    return _shipment_page(
        request, form, episode=product.episode, refusal=shipment_back_refusal(product), direction=Direction.BACK,
        what=_("Product of %(manufacturer)s (%(status)s)") % {"manufacturer": product.manufacturer,
                                                              "status": product.get_status_display()},
        call=lambda: shipping.record_shipment(actor=request.user, product_or_collection=product,
                                              direction=Direction.BACK, **_shipment_arguments(form)),
        back=reverse("products:chain", args=[product.episode_id]))


# A shipment and its temperature log ------------------------------------------------------------------------

def shipment_limit(shipment: Shipment) -> tuple[int | None, str]:
    """The storage limit the log is assessed against, or None and why not (the rule of
    ``shipping.attach_temperature_log``): the product's limit, from its protocol template; none for collections."""
    episode = shipment_episode(shipment)
    if not shipment.product_id:
        return None, _(shipping.NOT_FOR_COLLECTIONS)
    if episode.template.storage_max_c is None:
        return None, _(shipping.NO_LIMIT_KNOWN)
    return episode.template.storage_max_c, ""


def _tick(moment) -> str:
    local = timezone.localtime(moment)
    return f"{formats.date_format(local, 'MONTH_DAY_FORMAT')} {formats.time_format(local, 'TIME_FORMAT')}"


def chart_texts(shipment: Shipment, limit_c: int | None) -> shipment_chart.ChartTexts:
    return shipment_chart.ChartTexts(
        title=_("Temperature of the dry shipper %(shipper)s during the shipment") % {"shipper": shipment.shipper_id},
        no_readings=_("No temperature log yet."),
        limit=_("Storage limit: ≤ %(limit)s °C") % {"limit": limit_c} if limit_c is not None else "",
        excursion=_("Excursion above the storage limit"),
        reading=_("%(temperature)s °C at %(time)s"),
        time_label=_tick)


def shipment_svg(shipment: Shipment) -> SafeString:
    """The shipment's temperature chart (shipment_chart.py) from its stored readings, ready for a template."""
    limit_c, _note = shipment_limit(shipment)
    stored = [templog.Reading(timezone.localtime(t.at), t.temperature_c) for t in shipment.temperatures.all()]
    excursions = templog.excursions(stored, limit_c) if limit_c is not None and stored else []
    svg = shipment_chart.render([(r.at, float(r.temperature_c)) for r in stored], limit_c,
                                [(e.start, e.end) for e in excursions], chart_texts(shipment, limit_c))
    return mark_safe(svg)  # noqa: S308 - built by shipment_chart, which escapes every text


def shipment_excursions(shipment: Shipment) -> list[tuple[Deviation, str]]:
    """Each excursion deviation recorded from this shipment's log, with when it lasted (local time).

    The periods are found again from the stored readings (``templog.excursions``, deterministic): the deviations
    were created from them in the same order.
    """
    deviations = list(shipment.deviations.filter(kind=Deviation.Kind.TEMPERATURE_EXCURSION)
                      .select_related("actor").order_by("pk"))
    limit_c, _note = shipment_limit(shipment)
    stored = [templog.Reading(t.at, t.temperature_c) for t in shipment.temperatures.all()]
    periods = templog.excursions(stored, limit_c) if limit_c is not None and stored else []
    return [(deviation, _period(excursion.start, excursion.end) if excursion else "")
            for deviation, excursion in itertools.zip_longest(deviations, periods[:len(deviations)])]


def _period(start: datetime, end: datetime) -> str:
    start, end = timezone.localtime(start), timezone.localtime(end)
    same_day = start.date() == end.date()
    return "%s → %s" % (formats.date_format(start, "SHORT_DATETIME_FORMAT"),
                        formats.time_format(end, "TIME_FORMAT") if same_day
                        else formats.date_format(end, "SHORT_DATETIME_FORMAT"))


@access.requires(Action.VIEW_PATIENT)
def shipment_detail(request, pk):
    shipment = reach(request.user, SHIPMENTS, pk, patient=Shipment.patient_path(pk))
    episode = shipment_episode(shipment)
    patient = episode.patient
    limit_c, note = shipment_limit(shipment)
    has_log = shipment.temperatures.exists()
    return render(request, "products/shipment_detail.html", {
        "shipment": shipment, "episode": episode, "patient": patient,
        "what": (_("Collected cells, DIN %(din)s") % {"din": shipment.collection.din} if shipment.collection_id
                 else _("Product of %(manufacturer)s") % {"manufacturer": shipment.product.manufacturer}),
        "chart": shipment_svg(shipment), "limit_c": limit_c, "limit_note": note, "has_log": has_log,
        "readings": shipment.temperatures.count(),
        "excursions": shipment_excursions(shipment),
        "may_upload": not has_log and access.can(request.user, Action.RECORD_SHIPMENT, patient.treating_center_id),
    })


def _log_attached(result: shipping.LogResult) -> tuple[str, bool]:
    """The message after an upload, and whether it reports excursions."""
    readings = ngettext("%(count)d reading", "%(count)d readings", result.readings) % {"count": result.readings}
    if result.limit_c is None:
        return _("Temperature log attached: %(readings)s. %(note)s") % {
            "readings": readings, "note": _(result.limit_note)}, False
    count = len(result.excursions)
    if not count:
        return _("Temperature log attached: %(readings)s, no excursion above %(limit)s °C.") % {
            "readings": readings, "limit": result.limit_c}, False
    return ngettext("Temperature log attached: %(readings)s, %(count)d excursion above %(limit)s °C recorded as a "
                    "deviation.",
                    "Temperature log attached: %(readings)s, %(count)d excursions above %(limit)s °C recorded as "
                    "deviations.", count) % {"readings": readings, "count": count, "limit": result.limit_c}, True


@access.requires(Action.RECORD_SHIPMENT)
def shipment_log(request, pk):
    shipment = reach(request.user, SHIPMENTS, pk, Action.RECORD_SHIPMENT, patient=Shipment.patient_path(pk))
    episode = shipment_episode(shipment)
    form = TemperatureLogForm(posted(request), request.FILES if request.method == "POST" else None)
    refusal = _("This shipment already has its temperature log.") if shipment.temperatures.exists() else None
    if request.method == "POST" and form.is_valid():
        result = run_service(form, lambda: shipping.attach_temperature_log(
            actor=request.user, shipment=shipment, csv_file=form.cleaned_data["csv_file"]))
        if result is not None:
            text, excursions = _log_attached(result)
            (messages.warning if excursions else messages.success)(request, text)
            return redirect("products:shipment", shipment.pk)
    return render(request, "products/shipment_log.html", {
        "shipment": shipment, "episode": episode, "patient": episode.patient, "form": form, "refusal": refusal,
        "title": _("Attach the temperature log"), "limit_note": shipment_limit(shipment)[1]})
