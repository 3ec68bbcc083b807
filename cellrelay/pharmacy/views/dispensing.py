"""The dispensing page (*délivrance*): the checks that must hold, shown as such, then the pharmacist's scan of the
bag and signature.

The dispensing commits a hard stop's deviation before refusing: it runs outside any transaction here, so the
deviation stays. The page answers a GET also when the service would refuse: its checks then say why.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cellrelay.organisation import access
from cellrelay.organisation.permissions import Action
from cellrelay.patients.access import reach
from cellrelay.products.services import shipping
from cellrelay.products.views.common import BAGS, bag_context, run_keeping_deviations
from cellrelay.web import posted

from ..forms import DispenseForm
from ..services import dispensing


@access.requires(Action.DISPENSE_PRODUCT)
def dispense(request, pk):
    bag = reach(request.user, BAGS, pk, Action.DISPENSE_PRODUCT, patient="product__episode__patient")
    episode = bag.product.episode
    form = DispenseForm(posted(request))
    hard_stops = []
    if request.method == "POST" and form.is_valid():
        done, recorded = run_keeping_deviations(form, episode, lambda: dispensing.dispense_bag(
            actor=request.user, bag=bag, **form.cleaned_data))
        if done is not None:
            messages.success(request, _("Bag %(number)s dispensed.") % {"number": bag.number})
            return redirect("products:bag", bag.pk)
        hard_stops = form.errors.get("scanned_bag_code", []) if recorded else []
    conditions = dispensing.checks(bag, timezone.now())
    return render(request, "pharmacy/dispense.html", {
        **bag_context(bag), "form": form, "hard_stops": hard_stops, "title": _("Dispense the bag"),
        "conditions": conditions, "blocked": not all(check.met for check in conditions),
        "may_release": access.can(request.user, Action.RELEASE_PRODUCT, episode.patient.treating_center_id),
        "excursion_pending": shipping.unreleased_excursions(bag.product).exists(),
        "position": getattr(bag, "position", None),
        "submit": _("Dispense")})
