"""A bag's page (*poche*: who, what, where, its custody, the live thaw countdown) and the ward's steps on a
dispensed bag: thaw, two-person bedside check, start and end of the infusion, return or destruction.

The bedside check commits a hard stop's deviation before refusing: it runs outside any transaction here, so the
deviation stays. Every step page answers a GET also when the service would refuse: the page then says why.
"""

from datetime import UTC, timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cellrelay.organisation import access
from cellrelay.organisation.permissions import Action
from cellrelay.patients.access import reach
from cellrelay.web import posted

from .. import bag_steps, thaw
from ..forms import BedsideForm, DisposeForm, WhenForm
from ..models import Bag, CustodyEvent, Deviation
from ..services import administration
from .common import BAGS, bag_context, refusals_of, run_keeping_deviations, when

BAG_PATIENT = "product__episode__patient"


# The bag page -------------------------------------------------------------------------------------------

# The ward's steps on a bag, each offered when the bag is ready for it and the user may perform its action.
STEPS = (
    ("thaw", gettext_lazy("Start the thaw"), Action.ADMINISTER_PRODUCT),
    ("bedside", gettext_lazy("Bedside check"), Action.ADMINISTER_PRODUCT),
    ("infusion_start", gettext_lazy("Start the infusion"), Action.ADMINISTER_PRODUCT),
    ("infusion_end", gettext_lazy("End of the infusion"), Action.ADMINISTER_PRODUCT),
    ("dispose", gettext_lazy("Return or destroy"), Action.ADMINISTER_PRODUCT),
)


def ready_steps(bag: Bag) -> set[str]:
    """The ward's steps the bag is ready for, in the order of ``services.administration``: none before the
    pharmacy dispenses it."""
    if bag.status == Bag.Status.AVAILABLE:
        return set()
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
    """(label, url) of the steps this user may perform now on this bag: the pharmacy's (dispensing it), then the
    ward's."""
    center = bag.product.episode.patient.treating_center_id
    ready = ready_steps(bag)
    return bag_steps.actions(bag, user) + [
        (str(label), reverse(f"products:{name}", args=[bag.pk])) for name, label, action in STEPS
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
    bag = reach(request.user, BAGS, pk, patient=BAG_PATIENT)
    product = bag.product
    episode, patient = product.episode, product.episode.patient
    return render(request, "products/bag.html", {
        "bag": bag, "product": product, "episode": episode, "patient": patient,
        "identifiers": list(product.identifiers.all()),
        "position": getattr(bag, "position", None),  # the pharmacy's storage place, if any
        "expired": bag.expiry <= timezone.now(),
        "events": _events(bag),
        "deviations": list(product.deviations.select_related("actor")),
        "actions": next_actions(request.user, bag),
        "countdown": countdown(bag, timezone.now()),
    })


# The ward's steps ---------------------------------------------------------------------------------------

def _usable(bag: Bag) -> list[str]:
    return refusals_of(lambda: administration.refuse_unusable(bag))


def thaw_refusals(bag: Bag) -> list[str]:
    reasons = _usable(bag)
    if not reasons and bag.thaw_started_at:
        reasons.append(_("The thaw of this bag started on %(when)s.") % {"when": when(bag.thaw_started_at)})
    return reasons


def bedside_refusals(bag: Bag) -> list[str]:
    reasons = _usable(bag)
    if not reasons and bag.infusion_started_at:
        reasons.append(_("The infusion of this bag started on %(when)s.") % {"when": when(bag.infusion_started_at)})
    if not reasons and bag.bedside_checked_at:
        reasons.append(_("This bag was checked at the bedside on %(when)s.") % {"when": when(bag.bedside_checked_at)})
    return reasons


def infusion_start_refusals(bag: Bag) -> list[str]:
    reasons = _usable(bag)
    if reasons:
        return reasons
    if bag.infusion_started_at:
        return [_("The infusion of this bag started on %(when)s.") % {"when": when(bag.infusion_started_at)}]
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
            "when": when(bag.infusion_started_at)})
    return reasons


def _step_page(request, bag, form, call, *, title, done, refusals, intro="", submit=None, after=None):
    """A step of the administration: on a valid POST the service is called, then back to the bag page."""
    episode = bag.product.episode
    if request.method == "POST" and form.is_valid():
        result, recorded = run_keeping_deviations(form, episode, call)
        if result is not None:
            messages.success(request, done)
            if after:
                after(result, recorded)
            return redirect("products:bag", bag.pk)
    return render(request, "products/administration_form.html", {
        **bag_context(bag), "form": form, "title": title, "refusals": refusals, "intro": intro,
        "submit": submit or _("Save")})


def _limit_text(bag: Bag) -> str:
    limit = bag.product.episode.template.thaw_limit_minutes
    if limit is None:
        return _(thaw.NO_LIMIT)
    return _("The infusion must end within %(minutes)s minutes of the start of the thaw.") % {"minutes": limit}


@access.requires(Action.ADMINISTER_PRODUCT)
def thaw_start(request, pk):
    bag = reach(request.user, BAGS, pk, Action.ADMINISTER_PRODUCT, patient=BAG_PATIENT)
    form = WhenForm(posted(request), label=_("Thaw started at"))
    return _step_page(
        request, bag, form, lambda: administration.start_thaw(actor=request.user, bag=bag, **form.cleaned_data),
        title=_("Start the thaw"), done=_("Thaw started: the countdown runs on this page."),
        refusals=thaw_refusals(bag), intro=_limit_text(bag), submit=_("Start the thaw"))


@access.requires(Action.ADMINISTER_PRODUCT)
def bedside(request, pk):
    bag = reach(request.user, BAGS, pk, Action.ADMINISTER_PRODUCT, patient=BAG_PATIENT)
    episode, patient = bag.product.episode, bag.product.episode.patient
    form = BedsideForm(posted(request), patient=patient, actor=request.user)
    hard_stops = []
    if request.method == "POST" and form.is_valid():
        checked, recorded = run_keeping_deviations(form, episode, lambda: administration.bedside_check(
            actor=request.user, bag=bag, **form.cleaned_data))
        if checked is not None:
            messages.success(request, _("Bedside check passed: patient and bag %(number)s match.") % {
                "number": bag.number})
            return redirect("products:bag", bag.pk)
        if recorded:
            hard_stops = [*form.errors.get("scanned_wristband", []), *form.errors.get("scanned_bag_code", [])]
    return render(request, "products/administration_bedside.html", {
        **bag_context(bag), "form": form, "hard_stops": hard_stops, "refusals": bedside_refusals(bag),
        "title": _("Bedside check"), "submit": _("Check and sign")})


@access.requires(Action.ADMINISTER_PRODUCT)
def infusion_start(request, pk):
    bag = reach(request.user, BAGS, pk, Action.ADMINISTER_PRODUCT, patient=BAG_PATIENT)
    form = WhenForm(posted(request), label=_("Infusion started at"))
    return _step_page(
        request, bag, form, lambda: administration.start_infusion(actor=request.user, bag=bag, **form.cleaned_data),
        title=_("Start the infusion"), done=_("Infusion started."), refusals=infusion_start_refusals(bag),
        intro=_limit_text(bag), submit=_("Start the infusion"))


@access.requires(Action.ADMINISTER_PRODUCT)
def infusion_end(request, pk):
    bag = reach(request.user, BAGS, pk, Action.ADMINISTER_PRODUCT, patient=BAG_PATIENT)
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
    bag = reach(request.user, BAGS, pk, Action.ADMINISTER_PRODUCT, patient=BAG_PATIENT)
    form = DisposeForm(posted(request))
    return _step_page(
        request, bag, form, lambda: administration.return_or_destroy(actor=request.user, bag=bag,
                                                                     **form.cleaned_data),
        title=_("Return or destroy the bag"), done=_("Bag %(number)s recorded as unused.") % {"number": bag.number},
        refusals=dispose_refusals(bag),
        intro=_("A bag that will not be given: returned to the pharmacy, or destroyed. A thawed bag cannot be "
                "refrozen: it is destroyed."))
