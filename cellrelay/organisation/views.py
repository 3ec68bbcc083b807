from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cellrelay.journal.models import JournalEntry
from cellrelay.journal.reads import PatientRef, appearances_of, shown
from cellrelay.web import run_service

from . import access, landing, patient_search, services
from .forms import JournalFilter, StaffMemberForm, TokenForm, TrainingForm
from .models import ApiToken, Center, Membership, TrainingRecord, User
from .permissions import Action


@access.requires(Action.USE_API)
def home(request):
    """Each user lands where their work is: the page their role registered, else the first they may open."""
    registered = landing.landing_for(request.user)
    if registered:
        return redirect(registered)
    if access.can(request.user, Action.VIEW_PATIENT):
        return redirect("patients:list")
    if access.can(request.user, Action.VIEW_JOURNAL):
        return redirect("organisation:journal")
    return redirect("organisation:staff")


def _staff_of(user):
    """Everyone holding a role at one of the centers where this user may see the staff."""
    return User.objects.filter(memberships__center_id__in=access.centers_for(user, Action.VIEW_STAFF)).distinct()


@access.requires(Action.VIEW_STAFF)
def staff(request):
    today = timezone.localdate()
    members = (Membership.objects.filter(center_id__in=access.centers_for(request.user, Action.VIEW_STAFF))
               .select_related("user", "center", "unit").order_by("center__name", "role", "user__last_name"))
    trainings = TrainingRecord.objects.filter(user__in=_staff_of(request.user)).order_by("-completed_on")
    by_user: dict[int, list] = {}
    for training in trainings:
        by_user.setdefault(training.user_id, []).append(training)
    rows = [(m, by_user.get(m.user_id, [])) for m in members]
    return render(request, "organisation/staff.html", {"rows": rows, "today": today})


@access.requires(Action.MANAGE_TRAINING)
def training_add(request):
    form = TrainingForm(request.POST or None, staff=_staff_of(request.user))
    if request.method == "POST" and form.is_valid():
        if run_service(form, lambda: services.record_training(actor=request.user, **form.cleaned_data)):
            messages.success(request, _("Training recorded."))
            return redirect("organisation:staff")
    return render(request, "organisation/form.html", {"form": form, "title": _("Record a training")})


def _staff_centers(user):
    """Centers an administrator manages, with the referring hospitals of the network."""
    own = access.centers_for(user, Action.MANAGE_STAFF)
    return Center.objects.filter(pk__in=own) | Center.objects.filter(kind=Center.Kind.REFERRING)


@access.requires(Action.MANAGE_STAFF)
def staff_add(request):
    form = StaffMemberForm(request.POST or None, centers=_staff_centers(request.user))
    if request.method == "POST" and form.is_valid():
        if run_service(form, lambda: services.add_staff_member(actor=request.user, **form.cleaned_data)):
            messages.success(request, _("Staff member added."))
            return redirect("organisation:staff")
    return render(request, "organisation/form.html", {"form": form, "title": _("Add a staff member")})


@access.requires(Action.USE_API)
def profile(request):
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        _token, new_token = services.create_token(actor=request.user, user=request.user, name=form.cleaned_data["name"])
        form = TokenForm()
    return render(request, "organisation/profile.html", {
        "form": form,
        "new_token": new_token,
        "tokens": request.user.api_tokens.all(),
        "now": timezone.now(),
        "token_days": settings.CELLRELAY_TOKEN_DAYS,
        "memberships": access.memberships(request.user),
        "trainings": request.user.training_records.all(),
    })


@require_POST
@access.requires(Action.USE_API)
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.revoke_token(actor=request.user, token=token)
    messages.success(request, _("Token revoked: it no longer opens the API."))
    return redirect("organisation:profile")


@require_POST
@access.requires(Action.USE_API)
def token_renew(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    try:
        services.renew_token(actor=request.user, token=token)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Token renewed: it now expires on %(day)s.") % {
            "day": date_format(timezone.localtime(token.expires_at), "SHORT_DATE_FORMAT")})
    return redirect("organisation:profile")


# The journal -----------------------------------------------------------------------------------------

def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def _actors(entries):
    """Everyone who acted in these entries: staff, referring physicians and machine accounts alike. Asked user by
    user (an index probe each, stopping at their first entry): the distinct actors of the whole journal would read
    every entry of the centers."""
    return (User.objects.filter(Exists(entries.filter(actor_id=OuterRef("pk"))))
            .order_by("last_name", "first_name", "username"))


JOURNAL_PAGE_SIZE = 50


@dataclass
class JournalPage:
    """Entries newest first, ``JOURNAL_PAGE_SIZE`` at a time, reached by the id they start after (keyset pages):
    neither a count of the journal nor an OFFSET into it, both of which read every entry before the page."""

    object_list: list
    newer: int | None  # ?after= of the page before (newer entries), None on the newest
    older: int | None  # ?before= of the next page (older entries), None on the oldest

    def __iter__(self):
        return iter(self.object_list)


def _journal_page(entries, before: str | None, after: str | None) -> JournalPage:
    entries = entries.select_related("actor")
    if after and after.isdigit():
        rows = list(entries.filter(id__gt=int(after)).order_by("id")[:JOURNAL_PAGE_SIZE + 1])
        has_newer = len(rows) > JOURNAL_PAGE_SIZE
        rows = rows[:JOURNAL_PAGE_SIZE][::-1]
        has_older = True
    else:
        if before and before.isdigit():
            entries = entries.filter(id__lt=int(before))
        rows = list(entries.order_by("-id")[:JOURNAL_PAGE_SIZE + 1])
        has_older = len(rows) > JOURNAL_PAGE_SIZE
        rows = rows[:JOURNAL_PAGE_SIZE]
        has_newer = bool(before and before.isdigit())
    return JournalPage(rows, rows[0].id if rows and has_newer else None, rows[-1].id if rows and has_older else None)


@access.requires(Action.VIEW_JOURNAL)
def journal(request):
    """The audit journal of the administrator's centers (entries tied to no center included)."""
    center_ids = access.centers_for(request.user, Action.VIEW_JOURNAL)
    entries = JournalEntry.objects.filter(Q(center_id__in=center_ids) | Q(center_id__isnull=True))
    form = JournalFilter(request.GET or None, actors=_actors(entries))
    if form.is_valid():
        data = form.cleaned_data
        if data["patient"]:
            entries = entries.filter(appearances_of(patient_search.patient_ids(data["patient"], center_ids)))
        if data["user"]:
            entries = entries.filter(actor=data["user"])
        if data["date_from"]:
            entries = entries.filter(at__gte=_day_start(data["date_from"]))
        if data["date_to"]:
            entries = entries.filter(at__lt=_day_start(data["date_to"]) + timedelta(days=1))
    page = _journal_page(entries, request.GET.get("before"), request.GET.get("after"))
    # The actions' labels looked up once: get_action_display hashes every lazy label of the enumeration per row.
    labels = dict(JournalEntry.Action.choices)
    for entry in page:
        entry.action_label = labels.get(entry.action, entry.action)
    # An entry about a patient names them (a read's object is the patient): the page is a read of each.
    shown(request.user, [PatientRef(e.patient_id, e.center_id) for e in page if e.patient_id])
    query = request.GET.copy()
    for key in ("before", "after", "page"):
        query.pop(key, None)
    return render(request, "organisation/journal.html", {"form": form, "page": page, "query": query.urlencode()})
