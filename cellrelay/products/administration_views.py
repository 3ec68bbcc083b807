"""Pages of the product at the center: the two-person receipt at the pharmacy, the bag page (with the live
thaw countdown), the dispensing, and the administration of a bag (thaw, bedside check, infusion, return or
destruction).

Views parse, check access and call one service function; they never write models. The receipt, the
dispensing and the bedside check commit a hard stop's deviation before refusing: they run outside any
transaction here, so the deviation stays. Every form page answers a GET, also when the service would refuse:
the page then says why.
"""

from datetime import UTC, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cellrelay.organisation import access
from cellrelay.organisation.permissions import Action
from cellrelay.patients.access import reach
from cellrelay.patients.models import Patient
from cellrelay.patients.services import record_read
from cellrelay.pharmacy.models import Position
from cellrelay.web import posted, run_service

from . import administration, dispensing, services, shipping, thaw
from .administration_forms import BedsideForm, DispenseForm, DisposeForm, ReceiveForm, WhenForm
from .models import Bag, CustodyEvent, Deviation, Product

# Kinds of deviation a receipt may record without refusing the product: it is then quarantined.
QUARANTINE_KINDS = (Deviation.Kind.TEMPERATURE_EXCURSION, Deviation.Kind.SEAL_BROKEN, Deviation.Kind.DOCUMENTS)


# Access ------------------------------------------------------------------------------------------------

def _product_for(user, pk, action) -> Product:
    """The product if the user may see its patient (404 otherwise) and perform the action there (403)."""
    product = get_object_or_404(Product.objects.select_related("episode__patient", "episode__template"), pk=pk)
    reach(user, Patient, product.episode.patient_id, action, patient="", journal_read=False)
    return product


def _bag_for(user, pk, action) -> Bag:
    """The bag, scoped through its product's patient like the product itself."""
    bag = get_object_or_404(Bag.objects.select_related(
        "product__episode__patient", "product__episode__template", "dispensed_by", "bedside_checked_by",
        "bedside_second_person"), pk=pk)
    reach(user, Patient, bag.product.episode.patient_id, action, patient="", journal_read=False)
    return bag


# Hard stops --------------------------------------------------------------------------------------------

def _last_deviation(episode) -> int:
    return Deviation.objects.filter(episode=episode).order_by("-pk").values_list("pk", flat=True).first() or 0


def _run(form, episode, call):
    """run_service; and the deviations the call recorded (a hard stop keeps its deviation although refused).

    Returns (result or None, the new deviations of the episode).
    """
    since = _last_deviation(episode)
    result = run_service(form, call)
    return result, list(Deviation.objects.filter(episode=episode, pk__gt=since).select_related("actor"))


def _refusals(check) -> list[str]:
    """The messages of a service's check that would refuse (empty when it would pass)."""
    try:
        check()
    except ValidationError as error:
        return error.messages
    return []


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _form_page(request, template, context):
    """Render a form page; it shows the patient: the read is journaled."""
    record_read(actor=request.user, patient=context["patient"])
    return render(request, template, context)


# Receipt ------------------------------------------------------------------------------------------------

def receipt_refusal(product: Product) -> str:
    """Why this product cannot be received now, or "" when it can (the service's words)."""
    if product.status in services.RECEIVABLE:
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
    product = _product_for(request.user, pk, Action.RECEIVE_PRODUCT)
    episode, patient = product.episode, product.episode.patient
    form = ReceiveForm(posted(request), patient=patient, actor=request.user)
    hard_stops = []
    if request.method == "POST" and form.is_valid():
        received, recorded = _run(form, episode, lambda: services.receive_product(
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
    return _form_page(request, "products/receive.html", {
        "form": form, "product": product, "episode": episode, "patient": patient,
        "identifiers": list(product.identifiers.all()), "storage_max_c": episode.template.storage_max_c,
        "refusal": receipt_refusal(product), "hard_stops": hard_stops,
        "title": _("Receive the product")})


# The bag page -------------------------------------------------------------------------------------------

# The steps of a bag, each offered when the bag is ready for it and the user may perform its action.
STEPS = (
    ("dispense", gettext_lazy("Dispense"), Action.DISPENSE_PRODUCT),
    ("thaw", gettext_lazy("Start the thaw"), Action.ADMINISTER_PRODUCT),
    ("bedside", gettext_lazy("Bedside check"), Action.ADMINISTER_PRODUCT),
    ("infusion_start", gettext_lazy("Start the infusion"), Action.ADMINISTER_PRODUCT),
    ("infusion_end", gettext_lazy("End of the infusion"), Action.ADMINISTER_PRODUCT),
    ("dispose", gettext_lazy("Return or destroy"), Action.ADMINISTER_PRODUCT),
)


def ready_steps(bag: Bag) -> set[str]:
    """The steps the bag is ready for, in the order of administration.py."""
    if bag.status == Bag.Status.AVAILABLE:
        return {"dispense"}
    if bag.disposal or bag.infusion_ended_at:
        return set()
    if bag.infusion_started_at:
        return {"infusion_end"}
    steps = {"dispose"}
    if not bag.thaw_started_at:
        steps.add("thaw")
    if not bag.bedside_checked_at:
        steps.add("bedside")
    if bag.thaw_started_at and bag.bedside_checked_at:
        steps.add("infusion_start")
    return steps


def next_actions(user, bag: Bag) -> list[tuple[str, str]]:
    """(label, url) of the steps this user may perform now on this bag."""
    center = bag.product.episode.patient.treating_center_id
    ready = ready_steps(bag)
    return [(str(label), reverse(f"products:{name}", args=[bag.pk])) for name, label, action in STEPS
            if name in ready and access.can(user, action, center)]


def clock(delta: timedelta) -> str:
    """mm:ss (minutes may pass 59: a limit of 2.5 h shows 150:00)."""
    seconds = max(int(delta.total_seconds()), 0)
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def countdown(bag: Bag, now) -> dict | None:
    """What the live countdown shows first (the page's script then ticks every second), or None when the
    thaw has not started, the infusion has ended or the bag was destroyed."""
    if not bag.thaw_started_at or bag.infusion_ended_at or bag.disposal:
        return None
    limit = bag.product.episode.template.thaw_limit_minutes
    status = thaw.thaw_status(bag.thaw_started_at, limit, now)
    remaining_text = _("%(time)s remaining") % {"time": "{time}"}
    overdue_text = _("Overdue by %(time)s") % {"time": "{time}"}
    if not status.limit_known:
        return {"limit_known": False, "message": _(status.message), "started": bag.thaw_started_at}
    # Rounded up while time is left, so that 00:00 is the deadline itself (ending then is on time).
    left = timedelta(seconds=-(-status.remaining // timedelta(seconds=1)))
    text = (overdue_text.replace("{time}", clock(status.overdue_by)) if status.overdue
            else remaining_text.replace("{time}", clock(left)))
    return {"limit_known": True, "limit": limit, "started": bag.thaw_started_at, "deadline": status.deadline,
            "overdue": status.overdue, "text": text, "remaining_text": remaining_text, "overdue_text": overdue_text,
            # For the script: ISO 8601 with milliseconds, which every browser parses; the server's time lets it
            # correct a workstation clock that is off.
            "deadline_iso": _iso(status.deadline), "now_iso": _iso(now)}


def _iso(moment) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _events(bag: Bag) -> list[CustodyEvent]:
    """The bag's own custody events, after those of its product as a whole (the receipt)."""
    events = list(CustodyEvent.objects.filter(product=bag.product, bag__isnull=True)
                  .select_related("actor", "second_person"))
    events += list(bag.custody_events.select_related("actor", "second_person"))
    for event in events:
        # Meanings of the signatures are stored as English msgids: shown in the reader's language.
        event.meaning_text = _(event.meaning) if event.meaning else ""
        event.second_meaning_text = _(event.second_meaning) if event.second_meaning else ""
    return sorted(events, key=lambda event: (event.at, event.pk))


@access.requires(Action.VIEW_PATIENT)
def bag_detail(request, pk):
    bag = _bag_for(request.user, pk, Action.VIEW_PATIENT)
    product = bag.product
    episode, patient = product.episode, product.episode.patient
    record_read(actor=request.user, patient=patient)
    return render(request, "products/bag.html", {
        "bag": bag, "product": product, "episode": episode, "patient": patient,
        "identifiers": list(product.identifiers.all()),
        "position": Position.objects.filter(bag=bag).select_related("box__rack__tank").first(),
        "expired": bag.expiry <= timezone.now(),
        "events": _events(bag),
        "deviations": list(product.deviations.select_related("actor")),
        "actions": next_actions(request.user, bag),
        "countdown": countdown(bag, timezone.now()),
    })


# Dispensing ---------------------------------------------------------------------------------------------

@access.requires(Action.DISPENSE_PRODUCT)
def dispense(request, pk):
    bag = _bag_for(request.user, pk, Action.DISPENSE_PRODUCT)
    episode = bag.product.episode
    form = DispenseForm(posted(request))
    hard_stops = []
    if request.method == "POST" and form.is_valid():
        done, recorded = _run(form, episode, lambda: dispensing.dispense_bag(
            actor=request.user, bag=bag, **form.cleaned_data))
        if done is not None:
            messages.success(request, _("Bag %(number)s dispensed.") % {"number": bag.number})
            return redirect("products:bag", bag.pk)
        hard_stops = form.errors.get("scanned_bag_code", []) if recorded else []
    conditions = dispensing.checks(bag, timezone.now())
    return _form_page(request, "products/administration_dispense.html", {
        **_bag_context(bag), "form": form, "hard_stops": hard_stops, "title": _("Dispense the bag"),
        "conditions": conditions, "blocked": not all(check.met for check in conditions),
        "may_release": access.can(request.user, Action.RELEASE_PRODUCT, episode.patient.treating_center_id),
        "excursion_pending": shipping.unreleased_excursions(bag.product).exists(),
        "position": Position.objects.filter(bag=bag).select_related("box__rack__tank").first(),
        "submit": _("Dispense")})


# Administration -----------------------------------------------------------------------------------------

def _bag_context(bag: Bag) -> dict:
    return {"bag": bag, "product": bag.product, "episode": bag.product.episode,
            "patient": bag.product.episode.patient}


def _usable(bag: Bag) -> list[str]:
    return _refusals(lambda: administration._usable(bag))


def thaw_refusals(bag: Bag) -> list[str]:
    reasons = _usable(bag)
    if not reasons and bag.thaw_started_at:
        reasons.append(_("The thaw of this bag started on %(when)s.") % {"when": _when(bag.thaw_started_at)})
    return reasons


def bedside_refusals(bag: Bag) -> list[str]:
    reasons = _usable(bag)
    if not reasons and bag.infusion_started_at:
        reasons.append(_("The infusion of this bag started on %(when)s.") % {"when": _when(bag.infusion_started_at)})
    if not reasons and bag.bedside_checked_at:
        reasons.append(_("This bag was checked at the bedside on %(when)s.") % {"when": _when(bag.bedside_checked_at)})
    return reasons


def infusion_start_refusals(bag: Bag) -> list[str]:
    reasons = _usable(bag)
    if reasons:
        return reasons
    if bag.infusion_started_at:
        return [_("The infusion of this bag started on %(when)s.") % {"when": _when(bag.infusion_started_at)}]
    if not bag.bedside_checked_at:
        reasons.append(_("Check the patient's wristband and the bag at the bedside first, with a second person."))
    if not bag.thaw_started_at:
        reasons.append(_("Record the start of the thaw first."))
    return reasons


def infusion_end_refusals(bag: Bag) -> list[str]:
    reasons = _usable(bag)
    if not reasons and not bag.infusion_started_at:
        reasons.append(_("Record the start of the infusion first."))
    return reasons


def dispose_refusals(bag: Bag) -> list[str]:
    reasons = _usable(bag)
    if not reasons and bag.infusion_started_at:
        reasons.append(_("The infusion of this bag started on %(when)s: it is not an unused bag.") % {
            "when": _when(bag.infusion_started_at)})
    return reasons


def _step_page(request, bag, form, call, *, title, done, refusals, intro="", submit=None, after=None):
    """A step of the administration: on a valid POST the service is called, then back to the bag page."""
    episode = bag.product.episode
    if request.method == "POST" and form.is_valid():
        result, recorded = _run(form, episode, call)
        if result is not None:
            messages.success(request, done)
            if after:
                after(result, recorded)
            return redirect("products:bag", bag.pk)
    return _form_page(request, "products/administration_form.html", {
        **_bag_context(bag), "form": form, "title": title, "refusals": refusals, "intro": intro,
        "submit": submit or _("Save")})


def _limit_text(bag: Bag) -> str:
    limit = bag.product.episode.template.thaw_limit_minutes
    if limit is None:
        return _(thaw.NO_LIMIT)
    return _("The infusion must end within %(minutes)s minutes of the start of the thaw.") % {"minutes": limit}


@access.requires(Action.ADMINISTER_PRODUCT)
def thaw_start(request, pk):
    bag = _bag_for(request.user, pk, Action.ADMINISTER_PRODUCT)
    form = WhenForm(posted(request), label=_("Thaw started at"))
    return _step_page(
        request, bag, form, lambda: administration.start_thaw(actor=request.user, bag=bag, **form.cleaned_data),
        title=_("Start the thaw"), done=_("Thaw started: the countdown runs on this page."),
        refusals=thaw_refusals(bag), intro=_limit_text(bag), submit=_("Start the thaw"))


@access.requires(Action.ADMINISTER_PRODUCT)
def bedside(request, pk):
    bag = _bag_for(request.user, pk, Action.ADMINISTER_PRODUCT)
    episode, patient = bag.product.episode, bag.product.episode.patient
    form = BedsideForm(posted(request), patient=patient, actor=request.user)
    hard_stops = []
    if request.method == "POST" and form.is_valid():
        checked, recorded = _run(form, episode, lambda: administration.bedside_check(
            actor=request.user, bag=bag, **form.cleaned_data))
        if checked is not None:
            messages.success(request, _("Bedside check passed: patient and bag %(number)s match.") % {
                "number": bag.number})
            return redirect("products:bag", bag.pk)
        if recorded:
            hard_stops = [*form.errors.get("scanned_wristband", []), *form.errors.get("scanned_bag_code", [])]
    return _form_page(request, "products/administration_bedside.html", {
        **_bag_context(bag), "form": form, "hard_stops": hard_stops, "refusals": bedside_refusals(bag),
        "title": _("Bedside check"), "submit": _("Check and sign")})


@access.requires(Action.ADMINISTER_PRODUCT)
def infusion_start(request, pk):
    bag = _bag_for(request.user, pk, Action.ADMINISTER_PRODUCT)
    form = WhenForm(posted(request), label=_("Infusion started at"))
    return _step_page(
        request, bag, form, lambda: administration.start_infusion(actor=request.user, bag=bag, **form.cleaned_data),
        title=_("Start the infusion"), done=_("Infusion started."), refusals=infusion_start_refusals(bag),
        intro=_limit_text(bag), submit=_("Start the infusion"))


@access.requires(Action.ADMINISTER_PRODUCT)
def infusion_end(request, pk):
    bag = _bag_for(request.user, pk, Action.ADMINISTER_PRODUCT)
    form = WhenForm(posted(request), label=_("Infusion ended at"))

    def warn_past_limit(_bag, recorded):
        for deviation in recorded:
            if deviation.kind == Deviation.Kind.THAW_LIMIT_EXCEEDED:
                messages.warning(request, _(
                    "The infusion ended past the thaw limit (limit %(limit)s, here %(actual)s): a deviation is "
                    "recorded.") % {"limit": deviation.expected, "actual": deviation.scanned})

    return _step_page(
        request, bag, form, lambda: administration.end_infusion(actor=request.user, bag=bag, **form.cleaned_data),
        title=_("End of the infusion"), done=_("End of the infusion recorded."), refusals=infusion_end_refusals(bag),
        intro=_limit_text(bag), submit=_("Record the end"), after=warn_past_limit)


@access.requires(Action.ADMINISTER_PRODUCT)
def dispose(request, pk):
    bag = _bag_for(request.user, pk, Action.ADMINISTER_PRODUCT)
    form = DisposeForm(posted(request))
    return _step_page(
        request, bag, form, lambda: administration.return_or_destroy(actor=request.user, bag=bag,
                                                                     **form.cleaned_data),
        title=_("Return or destroy the bag"), done=_("Bag %(number)s recorded as unused.") % {"number": bag.number},
        refusals=dispose_refusals(bag),
        intro=_("A bag that will not be given: returned to the pharmacy, or destroyed. A thawed bag cannot be "
                "refrozen: it is destroyed."))


urlpatterns = [
    path("products/<int:pk>/receive/", receive, name="receive"),
    path("bags/<int:pk>/", bag_detail, name="bag"),
    path("bags/<int:pk>/dispense/", dispense, name="dispense"),
    path("bags/<int:pk>/thaw/", thaw_start, name="thaw"),
    path("bags/<int:pk>/bedside/", bedside, name="bedside"),
    path("bags/<int:pk>/infusion/start/", infusion_start, name="infusion_start"),
    path("bags/<int:pk>/infusion/end/", infusion_end, name="infusion_end"),
    path("bags/<int:pk>/dispose/", dispose, name="dispose"),
]
